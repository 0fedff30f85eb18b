import assert from "node:assert/strict";
import { createRecordingRunner } from "./recording_runner.ts";
import { createSystemProxyControl, systemProxyControlFromEnv } from "./system_proxy_control.ts";

Deno.test("createSystemProxyControl picks networksetup on macOS, gsettings on Linux, none elsewhere", async () => {
  const runner = createRecordingRunner();
  assert.equal(createSystemProxyControl({ os: "darwin", runner }).backend, "networksetup");
  assert.equal(createSystemProxyControl({ os: "linux", runner }).backend, "gsettings");
  const none = createSystemProxyControl({ os: "windows", runner });
  assert.equal(none.backend, "none");
  const r = await none.enable(8081);
  assert.equal(r.ok, true);
  assert.equal(r.steps[0].outcome, "skipped");
  assert.match(r.steps[0].detail, /no system proxy is managed on windows/);
  assert.deepEqual((await none.capture()).backend, "none");
  assert.equal(await none.state(8081), "off");
  assert.deepEqual(runner.calls, [], "none runs nothing");
});

Deno.test("systemProxyControlFromEnv: the HALTON_METER_SYSTEM_PROXY hook overrides the OS default", () => {
  const runner = createRecordingRunner();
  const env = (value?: string) => ({
    get: (key: string) => key === "HALTON_METER_SYSTEM_PROXY" ? value : undefined,
  });
  assert.equal(
    systemProxyControlFromEnv({ os: "darwin", runner, env: env() }).backend,
    "networksetup",
  );
  assert.equal(
    systemProxyControlFromEnv({ os: "darwin", runner, env: env("") }).backend,
    "networksetup",
  );
  assert.equal(
    systemProxyControlFromEnv({ os: "darwin", runner, env: env("none") }).backend,
    "none",
  );
  assert.equal(
    systemProxyControlFromEnv({ os: "windows", runner, env: env("gsettings") }).backend,
    "gsettings",
  );
  assert.throws(
    () => systemProxyControlFromEnv({ os: "linux", runner, env: env("kde") }),
    /HALTON_METER_SYSTEM_PROXY=kde is not one of networksetup, gsettings, none; unset it/,
  );
  assert.deepEqual(runner.calls, [], "building a control runs nothing");
});
