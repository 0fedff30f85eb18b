import assert from "node:assert/strict";
import type { Logger } from "../core/mod.ts";
import { createRecordingRunner, createSystemProxyControl } from "../setup/mod.ts";
import { createControlSystemProxy } from "./system_proxy.ts";

function memoryLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    log: (level, message, fields) => lines.push(`${level} ${message} ${JSON.stringify(fields)}`),
  };
}

/** A gsettings holding values, as the real one prints them. */
function fakeGsettings(values: Record<string, string>, refuse = false) {
  return createRecordingRunner((_cmd, args) => {
    if (args[0] === "list-schemas") {
      return {
        stdout:
          "org.gnome.system.proxy\norg.gnome.system.proxy.http\norg.gnome.system.proxy.https\n",
      };
    }
    const id = `${args[1]} ${args[2]}`;
    if (args[0] === "get") return { stdout: `${values[id]}\n` };
    if (refuse) return { code: 1, stderr: "GLib-GIO-Message: not allowed" };
    values[id] = args[3];
    return {};
  });
}

Deno.test("createControlSystemProxy: isOn and set follow the control and the current edge port", async () => {
  const values: Record<string, string> = {
    "org.gnome.system.proxy mode": "'none'",
    "org.gnome.system.proxy ignore-hosts": "['localhost', '127.0.0.0/8', '::1']",
    "org.gnome.system.proxy.https host": "''",
    "org.gnome.system.proxy.https port": "0",
  };
  let edge: number | undefined = 18081;
  const log = memoryLog();
  const runner = fakeGsettings(values);
  const proxy = createControlSystemProxy(
    createSystemProxyControl({ os: "linux", runner }),
    () => edge,
    log,
  );
  assert.equal(await proxy.isOn(), false);
  await proxy.set(true);
  assert.equal(values["org.gnome.system.proxy.https port"], "18081");
  assert.equal(values["org.gnome.system.proxy mode"], "'manual'");
  assert.equal(await proxy.isOn(), true);
  edge = 18082; // the edge came back on a fallback port
  assert.equal(await proxy.isOn(), false, "on means: pointing at the current edge");
  await proxy.set(false);
  assert.equal(values["org.gnome.system.proxy mode"], "'none'");
  assert.ok(
    log.lines.some((l) => l.startsWith("info system proxy (gsettings) off")),
    log.lines.join("\n"),
  );
  edge = undefined;
  assert.equal(await proxy.isOn(), false);
  await assert.rejects(() => proxy.set(true), /effective-ports\.json has no edge port/);
});

Deno.test("createControlSystemProxy: a refused change throws and is logged as an error", async () => {
  const values = { "org.gnome.system.proxy mode": "'manual'" };
  const log = memoryLog();
  const proxy = createControlSystemProxy(
    createSystemProxyControl({ os: "linux", runner: fakeGsettings(values, true) }),
    () => 8081,
    log,
  );
  await assert.rejects(() => proxy.set(false), /Cannot turn the system proxy off: .*not allowed/);
  assert.ok(log.lines[0].startsWith("error system proxy (gsettings) off"), log.lines[0]);
});
