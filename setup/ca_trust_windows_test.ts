import assert from "node:assert/strict";
import { CA1_PEM, CA1_SHA1 } from "./_trust_fixtures.ts";
import { createCaTrust } from "./ca_trust.ts";
import { createMemoryFiles } from "./memory_files.ts";
import { createRecordingRunner, type Responder } from "./recording_runner.ts";

const CA = "C:\\Users\\Ada Lovelace\\.halton-meter\\ca.pem";
const MISSING = {
  code: -2146885628,
  stdout: "CertUtil: -verifystore command FAILED: 0x80092004 (-2146885628 CRYPT_E_NOT_FOUND)\n",
};

function win(respond: Responder) {
  const runner = createRecordingRunner(respond);
  const trust = createCaTrust({
    os: "windows",
    runner,
    files: createMemoryFiles({ [CA]: CA1_PEM }),
    userHome: "C:\\Users\\Ada Lovelace",
    isRoot: false,
    nonInteractive: false,
  });
  return { runner, trust };
}

function store(): Responder {
  let present = false;
  return (_cmd, args) => {
    if (args[1] === "-addstore") present = true;
    if (args[1] === "-delstore") present = false;
    if (args[1] === "-verifystore") return present ? {} : MISSING;
    return undefined;
  };
}

Deno.test("ca_trust Windows: certutil -user Root add, idempotent, remove by thumbprint", async () => {
  const { runner, trust } = win(store());
  assert.equal(await trust.state(CA), "untrusted");
  const report = await trust.install(CA);
  assert.deepEqual(report.steps, [{
    action: "trust CA (certutil -user Root)",
    outcome: "done",
    detail: `certutil -user -addstore Root "${CA}"`,
  }]);
  assert.equal(await trust.state(CA), "trusted");
  assert.equal((await trust.install(CA)).steps[0].outcome, "skipped");
  assert.equal((await trust.remove(CA)).steps[0].outcome, "done");
  assert.equal((await trust.remove(CA)).steps[0].outcome, "skipped");
  assert.deepEqual(runner.calls.map((c) => [c.cmd, ...c.args]), [
    ["certutil", "-user", "-verifystore", "Root", CA1_SHA1],
    ["certutil", "-user", "-verifystore", "Root", CA1_SHA1],
    ["certutil", "-user", "-addstore", "Root", CA],
    ["certutil", "-user", "-verifystore", "Root", CA1_SHA1],
    ["certutil", "-user", "-verifystore", "Root", CA1_SHA1],
    ["certutil", "-user", "-verifystore", "Root", CA1_SHA1],
    ["certutil", "-user", "-delstore", "Root", CA1_SHA1],
    ["certutil", "-user", "-verifystore", "Root", CA1_SHA1],
  ]);
});

Deno.test("ca_trust Windows: a declined dialog fails with the command; odd errors are unknown", async () => {
  const { trust } = win((_c, args) =>
    args[1] === "-verifystore" ? MISSING : {
      code: -2147023673,
      stdout: "CertUtil: -addstore command FAILED: 0x800704c7 (ERROR_CANCELLED)\n",
    }
  );
  const report = await trust.install(CA);
  assert.equal(report.ok, false);
  assert.match(report.steps[0].detail, /exited -2147023673: CertUtil: -addstore command FAILED/);
  assert.equal(report.steps[0].command, `certutil -user -addstore Root "${CA}"`);
  assert.equal(await win(() => ({ code: 5, stderr: "access denied" })).trust.state(CA), "unknown");
});
