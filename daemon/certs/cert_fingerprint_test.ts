import assert from "node:assert/strict";
import { certFingerprint } from "./cert_fingerprint.ts";
import { describeCert } from "./describe_cert.ts";
import { ensureCa } from "./ensure_ca.ts";
import { run, testKeyPem } from "./_testing.ts";

Deno.test("certFingerprint and describeCert agree with openssl", async () => {
  const home = await Deno.makeTempDir({ prefix: "halton-fp-" });
  try {
    const ca = await ensureCa(home, { generateKeyPem: () => Promise.resolve(testKeyPem(0)) });
    const res = await run("openssl", [
      "x509",
      "-in",
      ca.certPath,
      "-noout",
      "-fingerprint",
      "-sha256",
      "-enddate",
      "-serial",
    ]);
    assert.equal(res.code, 0, res.stderr);
    const expected = /Fingerprint=([0-9A-F:]+)/.exec(res.stdout)?.[1];
    assert.match(certFingerprint(ca.certPem), /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    assert.equal(certFingerprint(ca.certPem), expected);
    const info = describeCert(ca.certPem);
    assert.equal(info.sha256Fingerprint, expected);
    assert.equal(info.subjectCommonName, "Halton Meter Local CA");
    assert.equal(info.issuerCommonName, "Halton Meter Local CA");
    const notAfter = /notAfter=(.+)/.exec(res.stdout)?.[1];
    assert.equal(info.notAfter.getTime(), Date.parse(notAfter ?? ""));
    assert.equal(info.serialHex.toUpperCase(), /serial=([0-9A-F]+)/.exec(res.stdout)?.[1]);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("certFingerprint and describeCert reject non-certificates clearly", () => {
  assert.throws(() => certFingerprint("hello"), /Cannot find a PEM certificate/);
  assert.throws(() => describeCert("hello"), /Cannot parse the certificate/);
});
