import assert from "node:assert/strict";
import { type CommandRunner, createCommandRunner } from "./command_runner.ts";
import { createRecordingRunner } from "./recording_runner.ts";
import { gsettingsControl, withLoopback } from "./system_proxy_gsettings.ts";

const SCHEMAS = [
  "org.gnome.desktop.interface",
  "org.gnome.system.proxy",
  "org.gnome.system.proxy.ftp",
  "org.gnome.system.proxy.http",
  "org.gnome.system.proxy.https",
  "org.gnome.system.proxy.socks",
].join("\n") + "\n";

/** A stateful fake `gsettings` holding GVariant text the way the real one prints it. */
function fakeGsettings(values: Record<string, string>, opts: { sticky?: boolean } = {}) {
  return createRecordingRunner((cmd, args) => {
    assert.equal(cmd, "gsettings");
    if (args[0] === "list-schemas") return { stdout: SCHEMAS };
    const id = `${args[1]} ${args[2]}`;
    if (args[0] === "get") return { stdout: `${values[id]}\n` };
    if (args[0] === "set" && opts.sticky !== false) values[id] = args[3];
    return {};
  });
}

const DEFAULTS = {
  "org.gnome.system.proxy mode": "'none'",
  "org.gnome.system.proxy ignore-hosts": "['localhost', '127.0.0.0/8', '::1']",
  "org.gnome.system.proxy.https host": "''",
  "org.gnome.system.proxy.https port": "0",
  "org.gnome.system.proxy.http host": "''",
  "org.gnome.system.proxy.http port": "0",
};

Deno.test("gsettings enable sets host and port before switching mode to manual; ignore-hosts kept", async () => {
  const values = { ...DEFAULTS };
  const runner = fakeGsettings(values);
  const control = gsettingsControl(runner);
  const r = await control.enable(8081);
  assert.equal(r.ok, true, JSON.stringify(r.steps));
  assert.deepEqual(runner.lines(), [
    "gsettings list-schemas",
    "gsettings get org.gnome.system.proxy ignore-hosts",
    "gsettings set org.gnome.system.proxy.https host '127.0.0.1'",
    "gsettings set org.gnome.system.proxy.https port 8081",
    "gsettings set org.gnome.system.proxy.http host '127.0.0.1'",
    "gsettings set org.gnome.system.proxy.http port 8081",
    "gsettings set org.gnome.system.proxy mode 'manual'",
    "gsettings get org.gnome.system.proxy mode",
  ]);
  assert.equal(control.backend, "gsettings");
  assert.equal(await control.state(8081), "on");
  assert.equal(await control.state(8082), "foreign");
  await control.disable();
  assert.equal(values["org.gnome.system.proxy mode"], "'none'");
  assert.equal(await control.state(8081), "off");
});

Deno.test("gsettings capture → enable → restore puts every value back as printed; loopback added to ignore-hosts", async () => {
  const values = {
    ...DEFAULTS,
    "org.gnome.system.proxy mode": "'auto'",
    "org.gnome.system.proxy ignore-hosts": "@as []",
    "org.gnome.system.proxy.https host": "'proxy.corp.example'",
    "org.gnome.system.proxy.https port": "3128",
  };
  const before = { ...values };
  const control = gsettingsControl(fakeGsettings(values));
  const snap = JSON.parse(JSON.stringify(await control.capture()));
  assert.equal(snap.backend, "gsettings");
  assert.equal(await control.state(8081), "foreign");
  await control.enable(8081);
  assert.equal(
    values["org.gnome.system.proxy ignore-hosts"],
    "['localhost', '127.0.0.0/8', '::1']",
  );
  const r = await control.restore(snap);
  assert.equal(r.ok, true, JSON.stringify(r.steps));
  assert.deepEqual(values, before);
});

Deno.test("gsettings: a change that does not stick fails; a missing schema or binary is backend none", async () => {
  const unstored = gsettingsControl(fakeGsettings({ ...DEFAULTS }, { sticky: false }));
  const r = await unstored.enable(8081);
  assert.equal(r.ok, false);
  assert.match(r.steps[0].detail, /mode reads back none: the settings backend did not store it/);

  const noSchema = createRecordingRunner(() => ({ stdout: "org.gnome.desktop.interface\n" }));
  const c1 = gsettingsControl(noSchema);
  const e = await c1.enable(8081);
  assert.equal(e.ok, true);
  assert.equal(e.steps[0].outcome, "skipped");
  assert.match(e.steps[0].detail, /schema org\.gnome\.system\.proxy, .* is not installed/);
  assert.equal(c1.backend, "none");
  assert.deepEqual((await c1.capture()).backend, "none");
  assert.equal(await c1.state(8081), "off");
  assert.deepEqual(noSchema.lines(), ["gsettings list-schemas"], "probed once");

  const missing = createRecordingRunner(() => ({
    code: 127,
    stderr: "gsettings: command not found",
  }));
  const c2 = gsettingsControl(missing);
  assert.match((await c2.disable()).steps[0].detail, /gsettings is not installed/);
  const restored = await c2.restore({ backend: "networksetup", data: {} });
  assert.equal(restored.steps[0].outcome, "skipped");
});

Deno.test("withLoopback adds only what is missing", () => {
  assert.deepEqual(withLoopback(["localhost", "127.0.0.0/8", "::1"]), [
    "localhost",
    "127.0.0.0/8",
    "::1",
  ]);
  assert.deepEqual(withLoopback(["*.corp", "127.0.0.1"]), [
    "*.corp",
    "127.0.0.1",
    "localhost",
    "::1",
  ]);
});

// ---- the real gsettings, on a throwaway keyfile backend ------------------------------

const hasGsettings = (() => {
  try {
    const out = new Deno.Command("gsettings", { args: ["list-schemas"], stdout: "piped" })
      .outputSync();
    return out.success && new TextDecoder().decode(out.stdout).includes("org.gnome.system.proxy\n");
  } catch {
    return false;
  }
})();

Deno.test({
  name: `real gsettings (keyfile backend in a temp dir): capture, enable, state, restore${
    hasGsettings ? "" : " (skipped: gsettings or the org.gnome.system.proxy schema is missing)"
  }`,
  ignore: !hasGsettings,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "hm-gsettings-" });
    const real = createCommandRunner();
    // Never the user's settings: the keyfile backend writes under XDG_CONFIG_HOME.
    const runner: CommandRunner = {
      run: (cmd, args, opts) =>
        real.run(cmd, args, {
          ...opts,
          env: { ...opts?.env, GSETTINGS_BACKEND: "keyfile", XDG_CONFIG_HOME: dir },
        }),
    };
    try {
      await runner.run("gsettings", [
        "set",
        "org.gnome.system.proxy",
        "ignore-hosts",
        `["it's", '*.corp']`,
      ]);
      const control = gsettingsControl(runner);
      const snap = await control.capture();
      assert.equal(await control.state(18081), "off");
      const on = await control.enable(18081);
      assert.equal(on.ok, true, JSON.stringify(on.steps));
      assert.equal(await control.state(18081), "on");
      const get = async (schema: string, key: string) =>
        (await runner.run("gsettings", ["get", schema, key])).stdout.trim();
      assert.equal(await get("org.gnome.system.proxy.https", "port"), "18081");
      assert.equal(
        await get("org.gnome.system.proxy", "ignore-hosts"),
        `["it's", '*.corp', 'localhost', '127.0.0.0/8', '::1']`,
      );
      await control.disable();
      assert.equal(await control.state(18081), "off");
      await control.enable(18081);
      assert.equal((await control.restore(snap)).ok, true);
      assert.equal(await get("org.gnome.system.proxy", "mode"), "'none'");
      assert.equal(await get("org.gnome.system.proxy", "ignore-hosts"), `["it's", '*.corp']`);
      assert.equal(await get("org.gnome.system.proxy.https", "host"), "''");
      // Every captured key reads back as it was (the http port's default is 8080, not 0).
      const data = snap.data as { values: Array<{ schema: string; key: string; value: string }> };
      assert.equal(data.values.length, 6);
      for (const v of data.values) assert.equal(await get(v.schema, v.key), v.value, v.key);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
