import assert from "node:assert/strict";
import { createRecordingRunner } from "./recording_runner.ts";
import {
  networksetupControl,
  type NetworksetupProxy,
  parseBypass,
  parseProxy,
  parseServiceList,
} from "./system_proxy_networksetup.ts";

interface FakeService {
  secure: NetworksetupProxy;
  web: NetworksetupProxy;
  bypass: string[];
}

/**
 * A stateful `networksetup` answering in the formats macOS prints, so a whole
 * capture → enable → disable → restore round trip can be checked on the resulting state.
 */
function fakeNetworksetup(services: Record<string, FakeService>, disabled: string[] = []) {
  const proxyText = (p: NetworksetupProxy) =>
    `Enabled: ${
      p.enabled ? "Yes" : "No"
    }\nServer: ${p.server}\nPort: ${p.port}\nAuthenticated Proxy Enabled: 0\n`;
  return createRecordingRunner((cmd, args) => {
    assert.equal(cmd, "networksetup");
    const [verb, name, ...rest] = args;
    if (verb === "-listallnetworkservices") {
      return {
        stdout: [
          "An asterisk (*) denotes that a network service is disabled.",
          ...Object.keys(services),
          ...disabled.map((d) => `*${d}`),
        ].join("\n") + "\n",
      };
    }
    const svc = services[name];
    if (svc === undefined) {
      return { code: 4, stdout: `** Error: The parameters were not valid.\n` };
    }
    const kind = verb.includes("secure") ? "secure" : "web";
    switch (verb) {
      case "-getsecurewebproxy":
      case "-getwebproxy":
        return { stdout: proxyText(svc[kind]) };
      case "-getproxybypassdomains":
        return {
          stdout: svc.bypass.length === 0
            ? `There aren't any bypass domains set on ${name}.\n`
            : svc.bypass.join("\n") + "\n",
        };
      case "-setsecurewebproxy":
      case "-setwebproxy":
        svc[kind] = { enabled: true, server: rest[0], port: Number(rest[1]) };
        return {};
      case "-setsecurewebproxystate":
      case "-setwebproxystate":
        svc[kind] = { ...svc[kind], enabled: rest[0] === "on" };
        return {};
      case "-setproxybypassdomains":
        svc.bypass = rest[0] === "Empty" ? [] : rest;
        return {};
    }
    return { code: 1, stderr: `unexpected ${verb}` };
  });
}

const OFF: NetworksetupProxy = { enabled: false, server: "", port: 0 };

Deno.test("parsers read the formats networksetup prints", () => {
  assert.deepEqual(
    parseServiceList(
      "An asterisk (*) denotes that a network service is disabled.\nWi-Fi\nUSB 10/100/1000 LAN\n*Thunderbolt Bridge\n",
    ),
    ["Wi-Fi", "USB 10/100/1000 LAN"],
  );
  assert.deepEqual(
    parseProxy(
      "Enabled: Yes\nServer: proxy.corp.example\nPort: 3128\nAuthenticated Proxy Enabled: 1\n",
    ),
    { enabled: true, server: "proxy.corp.example", port: 3128 },
  );
  assert.deepEqual(
    parseProxy("Enabled: No\nServer: \nPort: 0\nAuthenticated Proxy Enabled: 0\n"),
    OFF,
  );
  assert.equal(parseProxy("** Error: The parameters were not valid.\n"), null);
  assert.deepEqual(parseBypass("There aren't any bypass domains set on Wi-Fi.\n"), []);
  assert.deepEqual(parseBypass("*.local\n169.254/16\n"), ["*.local", "169.254/16"]);
});

Deno.test("networksetup enable sets every enabled service (names with spaces), keeps bypass domains and adds loopback", async () => {
  const services: Record<string, FakeService> = {
    "Wi-Fi": { secure: OFF, web: OFF, bypass: ["*.local", "169.254/16"] },
    "USB 10/100/1000 LAN": { secure: OFF, web: OFF, bypass: ["localhost", "127.0.0.1", "::1"] },
  };
  const runner = fakeNetworksetup(services, ["Thunderbolt Bridge"]);
  const control = networksetupControl(runner);
  assert.equal(control.backend, "networksetup");
  const report = await control.enable(8081);
  assert.equal(report.ok, true, JSON.stringify(report.steps));
  assert.deepEqual(runner.calls.map((c) => c.args), [
    ["-listallnetworkservices"],
    ["-getproxybypassdomains", "Wi-Fi"],
    ["-setsecurewebproxy", "Wi-Fi", "127.0.0.1", "8081"],
    ["-setwebproxy", "Wi-Fi", "127.0.0.1", "8081"],
    ["-setproxybypassdomains", "Wi-Fi", "*.local", "169.254/16", "localhost", "127.0.0.1", "::1"],
    ["-getproxybypassdomains", "USB 10/100/1000 LAN"],
    ["-setsecurewebproxy", "USB 10/100/1000 LAN", "127.0.0.1", "8081"],
    ["-setwebproxy", "USB 10/100/1000 LAN", "127.0.0.1", "8081"],
  ]);
  assert.equal(await control.state(8081), "on");
  assert.equal(await control.state(9999), "foreign");
  runner.calls.length = 0;
  assert.equal((await control.disable()).ok, true);
  assert.deepEqual(runner.lines(), [
    "networksetup -listallnetworkservices",
    "networksetup -setsecurewebproxystate Wi-Fi off",
    "networksetup -setwebproxystate Wi-Fi off",
    "networksetup -setsecurewebproxystate USB 10/100/1000 LAN off",
    "networksetup -setwebproxystate USB 10/100/1000 LAN off",
  ]);
  assert.equal(await control.state(8081), "off");
});

Deno.test("networksetup capture → enable → restore gives back exactly what was there", async () => {
  const services: Record<string, FakeService> = {
    "Wi-Fi": {
      secure: { enabled: true, server: "proxy.corp.example", port: 3128 },
      web: { enabled: false, server: "old.example", port: 80 },
      bypass: ["*.corp.example"],
    },
    "Ethernet Adaptor (en4)": { secure: OFF, web: OFF, bypass: [] },
  };
  const before = structuredClone(services);
  const runner = fakeNetworksetup(services);
  const control = networksetupControl(runner);
  const snap = await control.capture();
  assert.equal(await control.state(8081), "foreign");
  // JSON round trip: the snapshot is stored in system_state.json.
  const stored = JSON.parse(JSON.stringify(snap));
  await control.enable(8081);
  assert.equal(await control.state(8081), "on");
  const report = await control.restore(stored);
  assert.equal(report.ok, true, JSON.stringify(report.steps));
  // A proxy with no server before is off again (networksetup cannot clear a server).
  assert.deepEqual(services["Wi-Fi"], before["Wi-Fi"]);
  assert.deepEqual(services["Ethernet Adaptor (en4)"], {
    secure: { enabled: false, server: "127.0.0.1", port: 8081 },
    web: { enabled: false, server: "127.0.0.1", port: 8081 },
    bypass: [],
  });
  assert.equal(await control.state(8081), "foreign", "the corporate proxy is back");
  assert.ok(
    runner.lines().includes("networksetup -setproxybypassdomains Ethernet Adaptor (en4) Empty"),
  );
});

Deno.test("networksetup failures are steps with a sudo command; a foreign snapshot is refused", async () => {
  const runner = createRecordingRunner((_cmd, args) => {
    if (args[0] === "-listallnetworkservices") {
      return { stdout: "An asterisk (*) denotes that a network service is disabled.\nWi-Fi\n" };
    }
    if (args[0] === "-setsecurewebproxy") {
      return { code: 14, stderr: "You cannot set a proxy without admin rights.\n" };
    }
    return { stdout: "There aren't any bypass domains set on Wi-Fi.\n" };
  });
  const control = networksetupControl(runner);
  const r = await control.enable(8081);
  assert.equal(r.ok, false);
  assert.equal(r.steps[0].command, "sudo networksetup -setsecurewebproxy Wi-Fi 127.0.0.1 8081");
  assert.match(r.steps[0].detail, /exit 14 You cannot set a proxy/);
  const bad = await control.restore({ backend: "gsettings", data: {} });
  assert.equal(bad.ok, false);
  assert.match(bad.steps[0].detail, /not a networksetup snapshot/);
  const broken = createRecordingRunner(() => ({ code: 1, stderr: "boom" }));
  assert.equal(await networksetupControl(broken).state(8081), "unknown");
});
