/**
 * Runs scripts/e2e-linux.sh so its result counts in Deno's test summary. The script is the
 * one test that changes the machine (the real trust store through update-ca-certificates);
 * it backs the store up, restores it on any failure, and checks it byte for byte.
 */
import assert from "node:assert/strict";

const SCRIPT = new URL("../scripts/e2e-linux.sh", import.meta.url).pathname;
const has = (p: string) => Deno.stat(p).then(() => true, () => false);
const canRun = Deno.build.os === "linux" && Deno.uid() === 0 &&
  await has("/usr/sbin/update-ca-certificates") && await has("/usr/bin/curl") &&
  await has("/usr/bin/openssl") && await has("/usr/bin/python3");

Deno.test({
  name:
    "e2e-linux: init --apps → metered curl → stop (passthrough) → start → uninstall, machine unchanged",
  ignore: !canRun,
  async fn() {
    // One stream, in order, so a failure message sits next to what led to it.
    const out = await new Deno.Command("bash", {
      args: ["-c", 'exec bash "$0" 2>&1', SCRIPT],
      env: { DENO: Deno.execPath() },
      stdin: "null",
      stdout: "piped",
      stderr: "inherit",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    const lines = text.split("\n");
    const story = lines.filter((l) => l.startsWith("e2e-linux")).join("\n");
    assert.equal(out.code, 0, `${story}\n...\n${lines.slice(-60).join("\n")}`);
    assert.match(text, /e2e-linux: PASSED/);
  },
});
