/**
 * Debian removal tells update-ca-certificates' hooks what went (the Java keystore hook
 * otherwise keeps the CA after uninstall: `--fresh` reports only additions to hooks).
 */
import assert from "node:assert/strict";
import { CA1_PEM } from "./_trust_fixtures.ts";
import { createCaTrust } from "./ca_trust.ts";
import { createMemoryFiles } from "./memory_files.ts";
import { createRecordingRunner } from "./recording_runner.ts";

const CA = "/home/ada/.halton-meter/ca.pem";
const DEB_FILE = "/usr/local/share/ca-certificates/halton-meter-ca.crt";
const DEB_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";
const HOOKS_LINE =
  `sh -c for h in $(run-parts --test -- "$1"); do printf '%s\\n' "-$2" | "$h"; done sh`;

function machine(hooksDir: string | null, args: string[] = []) {
  const files = createMemoryFiles({ [CA]: CA1_PEM, [DEB_FILE]: CA1_PEM, [DEB_BUNDLE]: "" });
  if (hooksDir !== null) files.dirs.add(hooksDir);
  const runner = createRecordingRunner((cmd) => {
    // The refresh drops the CA from the bundle once the drop-in file is gone.
    if (cmd === "update-ca-certificates") files.files.set(DEB_BUNDLE, "");
    return undefined;
  });
  const trust = createCaTrust({
    os: "linux",
    runner,
    files,
    userHome: "/home/ada",
    isRoot: true,
    nonInteractive: true,
    linuxFamily: "debian",
    paths: { debianArgs: args },
  });
  return { runner, trust };
}

Deno.test("debian remove feeds the removal to update-ca-certificates' hooks", async () => {
  const { runner, trust } = machine("/etc/ca-certificates/update.d");
  const report = await trust.remove(CA);
  assert.equal(report.ok, true, JSON.stringify(report));
  assert.deepEqual(runner.lines().filter((l) => !l.startsWith("certutil")), [
    "update-ca-certificates --fresh",
    `${HOOKS_LINE} /etc/ca-certificates/update.d /etc/ssl/certs/halton-meter-ca.pem`,
  ]);
});

Deno.test("debian remove: sandboxed --hooksdir/--etccertsdir are followed; no hooks dir, no call", async () => {
  const args = ["--hooksdir", "/sbx/hooks", "--etccertsdir", "/sbx/etc"];
  const sandboxed = machine("/sbx/hooks", args);
  await sandboxed.trust.remove(CA);
  assert.ok(
    sandboxed.runner.lines().includes(`${HOOKS_LINE} /sbx/hooks /sbx/etc/halton-meter-ca.pem`),
    sandboxed.runner.lines().join("\n"),
  );
  const bare = machine(null);
  await bare.trust.remove(CA);
  assert.equal(bare.runner.lines().some((l) => l.startsWith("sh -c")), false);
});
