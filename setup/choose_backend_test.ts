import assert from "node:assert/strict";
import { chooseBackend, probeSystemdUser } from "./choose_backend.ts";
import { createRecordingRunner } from "./recording_runner.ts";

Deno.test("chooseBackend picks the native manager per OS", () => {
  const pick = (os: string, hasSystemdUser: boolean) => {
    const choice = chooseBackend({ os, hasSystemdUser });
    return choice.ok ? choice.name : choice.error;
  };
  assert.equal(pick("darwin", false), "launchd");
  assert.equal(pick("windows", true), "schtasks");
  assert.equal(pick("linux", true), "systemd");
  assert.equal(pick("linux", false), "direct");
  assert.equal(pick("freebsd", true), "direct");
});

Deno.test("chooseBackend honours --supervisor and refuses what cannot work", () => {
  assert.deepEqual(chooseBackend({ os: "linux", hasSystemdUser: true, override: "direct" }), {
    ok: true,
    name: "direct",
    reason: "--supervisor",
  });
  assert.equal(
    chooseBackend({ os: "darwin", hasSystemdUser: false, override: "launchd" }).ok,
    true,
  );
  const unknown = chooseBackend({ os: "linux", hasSystemdUser: true, override: "upstart" });
  assert.deepEqual(unknown, {
    ok: false,
    error: 'Unknown supervisor "upstart"; use one of launchd, systemd, schtasks, direct',
  });
  const wrongOs = chooseBackend({ os: "linux", hasSystemdUser: true, override: "launchd" });
  assert.equal(wrongOs.ok, false);
  const noBus = chooseBackend({ os: "linux", hasSystemdUser: false, override: "systemd" });
  assert.ok(!noBus.ok && /use --supervisor direct/.test(noBus.error));
});

Deno.test("probeSystemdUser asks systemctl --user show-environment", async () => {
  const ok = createRecordingRunner();
  assert.equal(await probeSystemdUser(ok), true);
  assert.deepEqual(ok.lines(), ["systemctl --user show-environment"]);
  const down = createRecordingRunner(() => ({ code: 1, stderr: "Failed to connect to bus" }));
  assert.equal(await probeSystemdUser(down), false);
});
