import assert from "node:assert/strict";
import { CA1_PEM, CA1_SHA1 } from "./_trust_fixtures.ts";
import { createCaTrust } from "./ca_trust.ts";
import { COMMAND_NOT_FOUND } from "./command_runner.ts";
import { createMemoryFiles } from "./memory_files.ts";
import { createRecordingRunner, type Responder } from "./recording_runner.ts";

const CA = "/Users/ada/.halton-meter/ca.pem";
const KC = "/Library/Keychains/System.keychain";
const ADD = `security add-trusted-cert -d -r trustRoot -k ${KC} ${CA}`;
const VERIFY = `security verify-cert -c ${CA} -p ssl`;
const NOT_TRUSTED = { code: 1, stderr: "Cert Verify Result: CSSMERR_TP_NOT_TRUSTED\n" };

function mac(
  respond: Responder,
  opts: { isRoot?: boolean; nonInteractive?: boolean; ca?: string } = {},
) {
  const ca = opts.ca ?? CA;
  const runner = createRecordingRunner(respond);
  const trust = createCaTrust({
    os: "darwin",
    runner,
    files: createMemoryFiles({ [ca]: CA1_PEM }),
    userHome: "/Users/ada",
    isRoot: opts.isRoot ?? false,
    nonInteractive: opts.nonInteractive ?? false,
  });
  return { runner, trust };
}

/** Trusted once `add-trusted-cert` has run (directly, via sudo or inside osascript). */
function keychain(extra: Responder = () => undefined): Responder {
  let trusted = false;
  return (cmd, args) => {
    const said = extra(cmd, args);
    if (said) return said;
    const line = [cmd, ...args].join(" ");
    if (line.includes("add-trusted-cert")) trusted = true;
    if (line.includes("delete-certificate")) trusted = false;
    if (args[0] === "verify-cert") return trusted ? {} : NOT_TRUSTED;
    if (args[0] === "find-certificate") {
      return { stdout: trusted ? `SHA-1 hash: ${CA1_SHA1}\nkeychain: "${KC}"\n` : "" };
    }
    return undefined;
  };
}

/** Reads an AppleScript string literal back (only `\\` and `\"` are escapes). */
function appleScriptLiteral(source: string): string {
  const m = /^do shell script "((?:[^"\\]|\\.)*)" with administrator privileges$/.exec(source);
  assert.ok(m, source);
  return m[1].replace(/\\(.)/g, "$1");
}

Deno.test("ca_trust macOS interactive: osascript admin prompt, verify without -r", async () => {
  const { runner, trust } = mac(keychain());
  assert.equal(trust.describe(), `macOS: security add-trusted-cert -d -r trustRoot -k ${KC}`);
  assert.equal(await trust.state(CA), "untrusted");
  const report = await trust.install(CA);
  assert.deepEqual(report, {
    ok: true,
    steps: [{
      action: "trust CA (System keychain)",
      outcome: "done",
      detail: `${KC} trusts ${CA}`,
    }],
  });
  assert.deepEqual(runner.calls.map((c) => [c.cmd, ...c.args]), [
    ["security", "verify-cert", "-c", CA, "-p", "ssl"],
    ["security", "verify-cert", "-c", CA, "-p", "ssl"],
    ["osascript", "-e", `do shell script "${ADD}" with administrator privileges`],
    ["security", "verify-cert", "-c", CA, "-p", "ssl"],
  ]);

  const again = await trust.install(CA);
  assert.equal(again.steps[0].outcome, "skipped");
  assert.equal(runner.calls.length, 5);

  const removed = await trust.remove(CA);
  assert.equal(removed.steps[0].outcome, "done");
  assert.deepEqual(runner.lines().slice(5), [
    `security find-certificate -a -Z ${KC}`,
    `osascript -e do shell script "security remove-trusted-cert -d ${CA} || true && security delete-certificate -Z ${CA1_SHA1} ${KC}" with administrator privileges`,
  ]);
  const gone = await trust.remove(CA);
  assert.deepEqual(gone.steps[0], {
    action: "untrust CA (System keychain)",
    outcome: "skipped",
    detail: `SHA-1 ${CA1_SHA1} not in ${KC}`,
  });
});

Deno.test("ca_trust macOS: a path with spaces, quotes and $ survives AppleScript and sh", async () => {
  const nasty = `/Users/ada lovelace/Halton & "Co" it's $HOME \\ x/ca.pem`;
  const { runner, trust } = mac(keychain(), { ca: nasty });
  await trust.install(nasty);
  await trust.remove(nasty);
  const scripts = runner.calls.filter((c) => c.cmd === "osascript").map((c) =>
    appleScriptLiteral(c.args[1])
  );
  assert.equal(scripts.length, 2);
  for (const script of scripts) {
    // A stand-in `security` that prints its argv, one per line, run by a real sh.
    const out = await new Deno.Command("sh", {
      args: ["-c", `security() { printf '%s\\n' "$@"; }; ${script}`],
      stdout: "piped",
    }).output();
    assert.equal(out.code, 0);
    const argv = new TextDecoder().decode(out.stdout).split("\n");
    assert.ok(argv.includes(nasty), argv.join(" | "));
  }
});

Deno.test("ca_trust macOS: cancelled prompt fails with the sudo line to paste", async () => {
  const { trust } = mac(
    keychain((cmd) =>
      cmd === "osascript"
        ? { code: 1, stderr: "execution error: User canceled. (-128)\n" }
        : undefined
    ),
  );
  const report = await trust.install(CA);
  assert.equal(report.ok, false);
  assert.deepEqual(report.steps[0], {
    action: "trust CA (System keychain)",
    outcome: "failed",
    detail: "the administrator prompt was cancelled: run the command below, or init again",
    command: `sudo ${ADD}`,
  });
});

Deno.test("ca_trust macOS --non-interactive: sudo -n, and manual when sudo wants a password", async () => {
  const ok = mac(keychain(), { nonInteractive: true });
  assert.ok((await ok.trust.install(CA)).ok);
  await ok.trust.remove(CA);
  assert.deepEqual(ok.runner.lines(), [
    VERIFY,
    `sudo -n ${ADD}`,
    VERIFY,
    `security find-certificate -a -Z ${KC}`,
    `sudo -n security remove-trusted-cert -d ${CA}`,
    `sudo -n security delete-certificate -Z ${CA1_SHA1} ${KC}`,
  ]);

  const refused = mac(
    keychain((cmd) =>
      cmd === "sudo" ? { code: 1, stderr: "sudo: a password is required\n" } : undefined
    ),
    { nonInteractive: true },
  );
  const report = await refused.trust.install(CA);
  assert.equal(report.ok, true);
  assert.equal(report.steps[0].outcome, "manual");
  assert.equal(report.steps[0].command, `sudo ${ADD}`);
  assert.ok(refused.runner.lines().every((l) => !l.startsWith("osascript")));
});

Deno.test("ca_trust macOS as root: security directly; a refused add is failed", async () => {
  const root = mac(keychain(), { isRoot: true });
  await root.trust.install(CA);
  assert.deepEqual(root.runner.lines(), [VERIFY, ADD, VERIFY]);

  const stuck = mac(
    keychain((_c, args) => args[0] === "add-trusted-cert" ? { code: 0 } : undefined),
    {
      isRoot: true,
    },
  );
  const report = await stuck.trust.install(CA);
  assert.equal(report.ok, false);
  assert.match(report.steps[0].detail, /add-trusted-cert ran but .* says untrusted/);
});

Deno.test("ca_trust macOS state: trusted, untrusted, unknown", async () => {
  assert.equal(await mac(() => ({})).trust.state(CA), "trusted");
  assert.equal(await mac(() => NOT_TRUSTED).trust.state(CA), "untrusted");
  assert.equal(await mac(() => ({ code: COMMAND_NOT_FOUND })).trust.state(CA), "unknown");
  assert.equal(await mac(() => ({ code: 1, stderr: "weird" })).trust.state(CA), "unknown");
});
