import assert from "node:assert/strict";
import { CaError } from "./ca_error.ts";
import { ensureCa, type EnsureCaDeps } from "./ensure_ca.ts";
import { modeOf, run, testKeyPem, x509Text } from "./_testing.ts";
import { describeCert } from "./describe_cert.ts";
import { withTempHome } from "../../tests/_support/temp_home.ts";

const posix = Deno.build.os !== "windows";

const withHome = (fn: (home: string) => Promise<void>) => withTempHome("halton-certs-", fn);

const fixedKey = (n: number): EnsureCaDeps => ({
  generateKeyPem: () => Promise.resolve(testKeyPem(n)),
});

Deno.test("ensureCa creates cert and key with tight modes, in <home>/ca", async () => {
  await withHome(async (home) => {
    const ca = await ensureCa(`${home}/nested`, fixedKey(0));
    assert.equal(ca.created, true);
    assert.equal(ca.dir, `${home}/nested/ca`);
    assert.equal(ca.certPath, `${home}/nested/ca/halton-meter-ca.pem`);
    assert.equal(ca.keyPath, `${home}/nested/ca/halton-meter-ca-key.pem`);
    assert.equal(await Deno.readTextFile(ca.certPath), ca.certPem);
    assert.equal(await Deno.readTextFile(ca.keyPath), ca.keyPem);
    assert.match(ca.certPem, /^-----BEGIN CERTIFICATE-----/);
    assert.match(ca.keyPem, /PRIVATE KEY-----/);
    // No temp files left behind by the atomic writes.
    const names = [];
    for await (const e of Deno.readDir(ca.dir)) names.push(e.name);
    assert.deepEqual(names.sort(), ["halton-meter-ca-key.pem", "halton-meter-ca.pem"]);
    if (posix) {
      assert.equal(modeOf(await Deno.stat(ca.dir)), 0o700);
      assert.equal(modeOf(await Deno.stat(ca.keyPath)), 0o600);
    }
  });
});

Deno.test("ensureCa re-tightens modes after tampering and never rewrites the files", async () => {
  await withHome(async (home) => {
    const first = await ensureCa(home, fixedKey(0));
    const certBytes = await Deno.readFile(first.certPath);
    const keyBytes = await Deno.readFile(first.keyPath);
    const certMtime = (await Deno.stat(first.certPath)).mtime;
    if (posix) {
      await Deno.chmod(first.dir, 0o755);
      await Deno.chmod(first.keyPath, 0o644);
    }
    let keygens = 0;
    const second = await ensureCa(home, {
      generateKeyPem: () => {
        keygens++;
        return Promise.resolve(testKeyPem(1));
      },
    });
    assert.equal(keygens, 0);
    assert.equal(second.created, false);
    assert.equal(second.certPem, first.certPem);
    assert.deepEqual(await Deno.readFile(first.certPath), certBytes);
    assert.deepEqual(await Deno.readFile(first.keyPath), keyBytes);
    assert.deepEqual((await Deno.stat(first.certPath)).mtime, certMtime);
    if (posix) {
      assert.equal(modeOf(await Deno.stat(first.dir)), 0o700);
      assert.equal(modeOf(await Deno.stat(first.keyPath)), 0o600);
    }
  });
});

Deno.test("ensureCa refuses a CA with a missing half and leaves the other file alone", async () => {
  for (const missing of ["cert", "key"] as const) {
    await withHome(async (home) => {
      const ca = await ensureCa(home, fixedKey(0));
      const [gone, kept] = missing === "cert"
        ? [ca.certPath, ca.keyPath]
        : [ca.keyPath, ca.certPath];
      const keptBytes = await Deno.readFile(kept);
      await Deno.remove(gone);
      await assert.rejects(
        () => ensureCa(home, fixedKey(1)),
        (err: unknown) => {
          assert.ok(err instanceof CaError);
          assert.equal(err.code, "ca-incomplete");
          assert.ok(err.message.includes(gone), err.message);
          assert.match(err.message, /halton-meter init/);
          return true;
        },
      );
      assert.deepEqual(await Deno.readFile(kept), keptBytes);
      await assert.rejects(() => Deno.stat(gone), Deno.errors.NotFound);
    });
  }
});

Deno.test("ensureCa refuses a cert and key that do not belong together", async () => {
  await withHome(async (home) => {
    const a = await ensureCa(`${home}/a`, fixedKey(0));
    const b = await ensureCa(`${home}/b`, fixedKey(1));
    await Deno.writeTextFile(a.keyPath, b.keyPem);
    await assert.rejects(
      () => ensureCa(`${home}/a`),
      (err: unknown) =>
        err instanceof CaError && err.code === "ca-mismatch" &&
        err.message.includes(a.certPath) && err.message.includes("does not match"),
    );
    assert.equal(await Deno.readTextFile(a.certPath), a.certPem);
  });
});

Deno.test("ensureCa refuses unreadable and expired CAs", async () => {
  await withHome(async (home) => {
    const ca = await ensureCa(home, fixedKey(0));
    const tenYears = describeCert(ca.certPem).notAfter.getTime();
    await assert.rejects(
      () => ensureCa(home, { now: () => tenYears + 1 }),
      (err: unknown) => err instanceof CaError && err.code === "ca-expired",
    );
    await Deno.writeTextFile(ca.certPath, "not a certificate\n");
    await assert.rejects(
      () => ensureCa(home),
      (err: unknown) => err instanceof CaError && err.code === "ca-unreadable",
    );
  });
});

Deno.test("concurrent ensureCa calls on an empty home agree on one CA", async () => {
  await withHome(async (home) => {
    const [a, b] = await Promise.all([ensureCa(home, fixedKey(0)), ensureCa(home, fixedKey(1))]);
    assert.equal(a.certPem, b.certPem);
    assert.equal(a.keyPem, b.keyPem);
    assert.equal([a.created, b.created].filter(Boolean).length, 1);
    assert.equal(await Deno.readTextFile(a.certPath), a.certPem);
  });
});

Deno.test("CA certificate has the required subject, validity and critical extensions", async () => {
  await withHome(async (home) => {
    const now = Date.UTC(2030, 0, 15, 12);
    const ca = await ensureCa(home, { ...fixedKey(0), now: () => now });
    const text = await x509Text(home, ca.certPem);
    assert.match(text, /Subject: CN\s*=\s*Halton Meter Local CA, O\s*=\s*Halton Meter/);
    assert.match(text, /Issuer: CN\s*=\s*Halton Meter Local CA, O\s*=\s*Halton Meter/);
    assert.match(text, /Public-Key: \(2048 bit\)/);
    assert.match(text, /Signature Algorithm: sha256WithRSAEncryption/);
    assert.match(text, /X509v3 Basic Constraints: critical\s+CA:TRUE/);
    assert.match(text, /X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign/);
    assert.match(text, /X509v3 Subject Key Identifier:/);
    const info = describeCert(ca.certPem);
    assert.equal(info.notBefore.getTime(), now - 2 * 86_400_000);
    assert.equal(info.notAfter.toISOString(), "2040-01-15T12:00:00.000Z");
    assert.match(info.serialHex, /^[4-7][0-9a-f]{31}$/);
    const self = await run("openssl", [
      "verify",
      "-x509_strict",
      "-attime",
      String(now / 1000),
      "-CAfile",
      ca.certPath,
      ca.certPath,
    ]);
    assert.equal(self.code, 0, self.stderr + self.stdout);
  });
});
