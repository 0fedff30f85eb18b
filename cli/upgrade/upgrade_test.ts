import assert from "node:assert/strict";
import type { InstallOutcome } from "./install_release.ts";
import { runUpgrade, upgradeDestination, type UpgradeOptions } from "./upgrade.ts";

const SOURCE = { execPath: "/usr/bin/deno", mainModule: "file:///src/main.ts", compiled: false };
const BINARY = { execPath: "/home/ada/.local/bin/halton-meter", mainModule: "", compiled: true };

Deno.test("upgradeDestination: --prefix, else the running binary; from source it says what to do", () => {
  assert.deepEqual(upgradeDestination({ launch: BINARY, os: "linux" }), {
    ok: true,
    dest: BINARY.execPath,
  });
  assert.deepEqual(upgradeDestination({ launch: SOURCE, prefix: "/opt/bin/", os: "linux" }), {
    ok: true,
    dest: "/opt/bin/halton-meter",
  });
  assert.deepEqual(upgradeDestination({ launch: SOURCE, prefix: "C:\\hm", os: "windows" }), {
    ok: true,
    dest: "C:\\hm\\halton-meter.exe",
  });
  const src = upgradeDestination({ launch: SOURCE, os: "linux" });
  assert.ok(
    !src.ok && /runs from source \(file:\/\/\/src\/main\.ts\).*--prefix DIR/.test(src.error),
  );
});

function run(outcome: InstallOutcome, o: Partial<UpgradeOptions> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = runUpgrade({
    home: "/nonexistent",
    launch: BINARY,
    releaseUrl: "http://127.0.0.1:1/releases",
    target: "x86_64-unknown-linux-gnu",
    os: "linux",
    print: (l) => out.push(l),
    printError: (l) => err.push(l),
    ...o,
  }, {
    install: () => Promise.resolve(outcome),
    installedBackend: () => Promise.resolve(null),
    lifecycle: () => {
      throw new Error("not reached");
    },
  });
  return code.then((c) => ({ code: c, out, err }));
}

Deno.test("runUpgrade: a failed install exits 1 with its reason; nothing is restarted", async () => {
  const r = await run({ kind: "failed", reason: "checksum mismatch for x" });
  assert.deepEqual(r, {
    code: 1,
    out: [],
    err: ["halton-meter upgrade: checksum mismatch for x"],
  });
});

Deno.test("runUpgrade: already current, or no services installed: exit 0 and say so", async () => {
  const current = await run({ kind: "current", version: "1.0.0", dest: "/b/halton-meter" });
  assert.deepEqual(current.out, ["halton-meter 1.0.0 is already installed at /b/halton-meter"]);
  assert.equal(current.code, 0);
  const fresh = await run({ kind: "installed", version: "1.1.0", dest: "/b/halton-meter" });
  assert.equal(fresh.code, 0);
  assert.match(fresh.out[0], /^Installed halton-meter 1\.1\.0 \(x86_64-unknown-linux-gnu\) to /);
  assert.match(fresh.out[1], /No services are installed here/);
});

Deno.test("runUpgrade: a target without releases, or a source run without --prefix, is refused", async () => {
  const odd = await run({ kind: "failed", reason: "x" }, { target: "riscv64gc-unknown-linux-gnu" });
  assert.deepEqual(odd.err, [
    "halton-meter upgrade: no release is built for riscv64gc-unknown-linux-gnu",
  ]);
  const src = await run({ kind: "failed", reason: "x" }, { launch: SOURCE });
  assert.equal(src.code, 2);
});
