import assert from "node:assert/strict";
import { ensureCa } from "./ensure_ca.ts";
import { writeCaBundle } from "./write_ca_bundle.ts";
import { modeOf, run, testKeyPem } from "./_testing.ts";
import { withTempHome } from "../../tests/_support/temp_home.ts";

const withHome = (fn: (home: string) => Promise<void>) => withTempHome("halton-bundle-", fn);

/** A self-signed root with another name, made by openssl from a pooled key. */
async function otherRootPem(dir: string): Promise<string> {
  await Deno.writeTextFile(`${dir}/other-key.pem`, testKeyPem(1));
  const res = await run("openssl", [
    "req",
    "-x509",
    "-key",
    `${dir}/other-key.pem`,
    "-subj",
    "/CN=Some System Root",
    "-days",
    "2",
    "-out",
    `${dir}/other.pem`,
  ]);
  assert.equal(res.code, 0, res.stderr);
  return await Deno.readTextFile(`${dir}/other.pem`);
}

const keys = (n: number) => ({ generateKeyPem: () => Promise.resolve(testKeyPem(n)) });

Deno.test("writeCaBundle writes system roots followed by our CA", async () => {
  await withHome(async (home) => {
    const other = await otherRootPem(home); // stands in for the system roots
    const ca = await ensureCa(home, keys(0));
    const path = await writeCaBundle(home, other);
    assert.equal(path, `${home}/ca/ca-bundle.pem`);
    const bundle = await Deno.readTextFile(path);
    assert.ok(bundle.startsWith(other.trim()));
    assert.ok(bundle.trimEnd().endsWith(ca.certPem.trim()));
    assert.equal(bundle.match(/BEGIN CERTIFICATE/g)?.length, 2);
    if (Deno.build.os !== "windows") assert.equal(modeOf(await Deno.stat(path)), 0o644);
    // openssl accepts the bundle as a CA file for both our CA and the other root.
    for (const cert of [ca.certPath, `${home}/other.pem`]) {
      const res = await run("openssl", ["verify", "-CAfile", path, cert]);
      assert.equal(res.code, 0, res.stderr);
    }
  });
});

Deno.test("writeCaBundle replaces the old bundle and does not duplicate a trusted CA", async () => {
  await withHome(async (home) => {
    const ca = await ensureCa(home, keys(0));
    await writeCaBundle(home, "");
    assert.equal(
      (await Deno.readTextFile(`${home}/ca/ca-bundle.pem`)).match(/BEGIN CERT/g)?.length,
      1,
    );
    // A system bundle that already includes our CA (after `init` trusted it system-wide).
    const path = await writeCaBundle(home, `# root\n${ca.certPem}`);
    assert.equal((await Deno.readTextFile(path)).match(/BEGIN CERTIFICATE/g)?.length, 1);
  });
});

Deno.test("writeCaBundle without a CA says to create it first", async () => {
  await withHome(async (home) => {
    await assert.rejects(() => writeCaBundle(home, ""), /run ensureCa \(halton-meter init\) first/);
  });
});
