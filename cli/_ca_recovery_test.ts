import assert from "node:assert/strict";
import { ensureCa } from "../daemon/certs/mod.ts";
import { type CaTrust, createFileDeps } from "../setup/mod.ts";
import { emptySystemState, mergeSystemState, writeSystemState } from "../setup/system_state.ts";
import { recoverCaCertificate } from "./_ca_recovery.ts";
import { withTempHome } from "../tests/_support/temp_home.ts";

const files = createFileDeps();
const T = "2026-01-01T00:00:00.000Z";

function dropIn(copies: { where: string; pem: string }[]): CaTrust {
  const no = () => Promise.reject(new Error("recovery only reads"));
  return {
    describe: () => "fake",
    install: no,
    remove: no,
    state: no,
    storedCopies: () => Promise.resolve(copies),
  };
}

Deno.test("CA recovery: a lost certificate is found again by the key it belongs to, wherever a copy is", () =>
  withTempHome("hm-ca-recovery-", async (home) => {
    const ca = await ensureCa(home);
    const other = await ensureCa(`${home}/other`);
    assert.deepEqual(await recoverCaCertificate(home, { files }), { kind: "present" });
    await Deno.remove(ca.certPath);

    // Nothing anywhere: says where it looked.
    let r = await recoverCaCertificate(home, { files });
    assert.equal(r.kind, "none");
    assert.equal(r.kind === "none" && r.key, true);

    // The combined bundle: our CA among other roots, found by its key.
    await Deno.writeTextFile(ca.bundlePath, `${other.certPem}\n${ca.certPem}`);
    r = await recoverCaCertificate(home, { files });
    assert.deepEqual(r, { kind: "found", pem: ca.certPem, where: ca.bundlePath, keyed: true });

    // A record of another CA (rotated since) does not count; the drop-in copy does.
    await Deno.remove(ca.bundlePath);
    const state = mergeSystemState(emptySystemState(T), {
      trust: [{ ca_path: ca.certPath, store: "debian", ca_pem: other.certPem }],
    }, T);
    await writeSystemState(files, `${home}/system_state.json`, state);
    const trust = dropIn([{ where: "/store/halton-meter-ca.crt", pem: ca.certPem }]);
    r = await recoverCaCertificate(home, { files, trust });
    assert.deepEqual(r, {
      kind: "found",
      pem: ca.certPem,
      where: "/store/halton-meter-ca.crt",
      keyed: true,
    });
    r = await recoverCaCertificate(home, { files });
    assert.equal(r.kind, "none");
    assert.deepEqual(r.kind === "none" && r.looked, [
      `${home}/system_state.json (recorded by init)`,
    ]);

    // The certifi bundles init recorded hold a copy in their block.
    await writeSystemState(
      files,
      `${home}/system_state.json`,
      mergeSystemState(state, { certifi_bundles: [`${home}/cacert.pem`] }, T),
    );
    await Deno.writeTextFile(`${home}/cacert.pem`, `# roots\n${other.certPem}\n${ca.certPem}`);
    r = await recoverCaCertificate(home, { files });
    assert.equal(r.kind === "found" && r.where, `${home}/cacert.pem`);
  }));

Deno.test("CA recovery without the key: only our own record and drop-in copy count", () =>
  withTempHome("hm-ca-recovery-", async (home) => {
    const ca = await ensureCa(home);
    await Deno.remove(ca.certPath);
    await Deno.remove(ca.keyPath);
    await Deno.writeTextFile(ca.bundlePath, ca.certPem);
    let r = await recoverCaCertificate(home, { files });
    assert.equal(r.kind, "none", "a bundle proves nothing without the key");
    assert.equal(r.kind === "none" && r.key, false);

    await writeSystemState(
      files,
      `${home}/system_state.json`,
      mergeSystemState(emptySystemState(T), {
        trust: [{ ca_path: ca.certPath, store: "debian", ca_pem: ca.certPem }],
      }, T),
    );
    r = await recoverCaCertificate(home, { files });
    assert.deepEqual(r, {
      kind: "found",
      pem: ca.certPem,
      where: `${home}/system_state.json (recorded by init)`,
      keyed: false,
    });
  }));
