import assert from "node:assert/strict";
import { sampleTexts } from "./_samples.ts";
import { appendCertifiBlock, CERTIFI_MARKER, removeCertifiBlock } from "./certifi_block.ts";

const PEM =
  "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ\nZm9vYmFy\n-----END CERTIFICATE-----\n";
const PEM2 = "-----BEGIN CERTIFICATE-----\r\nQUJD\r\n-----END CERTIFICATE-----";
const ROOT =
  "# Issuer: CN=Root\n-----BEGIN CERTIFICATE-----\nUm9vdA==\n-----END CERTIFICATE-----\n";

const BUNDLES = sampleTexts(300, [
  ROOT,
  ROOT,
  "\n",
  "\r\n",
  "# Label: x",
  "-----END CERTIFICATE-----",
]);

Deno.test("appendCertifiBlock then removeCertifiBlock restores the original bytes", () => {
  for (const bundle of BUNDLES) {
    const patched = appendCertifiBlock(bundle, PEM);
    assert.equal(removeCertifiBlock(patched), bundle, JSON.stringify(bundle));
    assert.ok(patched.startsWith(bundle));
    assert.equal(removeCertifiBlock(appendCertifiBlock(patched, PEM2)), bundle);
  }
});

Deno.test("appendCertifiBlock is idempotent and replaces a rotated CA in place", () => {
  for (const bundle of BUNDLES) {
    const once = appendCertifiBlock(bundle, PEM);
    assert.equal(appendCertifiBlock(once, PEM), once);
    assert.equal(appendCertifiBlock(once, PEM2), appendCertifiBlock(bundle, PEM2));
  }
});

Deno.test("appendCertifiBlock writes the marker line then the PEM", () => {
  assert.equal(appendCertifiBlock(ROOT, PEM), `${ROOT}${CERTIFI_MARKER}\n${PEM}`);
  assert.equal(
    appendCertifiBlock("x", PEM2),
    `x\n${CERTIFI_MARKER}\n-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----`,
  );
  // The user's own certificates after ours survive removal.
  assert.equal(removeCertifiBlock(appendCertifiBlock(ROOT, PEM) + ROOT), ROOT + ROOT);
});

Deno.test("appendCertifiBlock refuses anything but one certificate", () => {
  assert.throws(() => appendCertifiBlock("", "not a pem"), /exactly one PEM certificate/);
  assert.throws(() => appendCertifiBlock("", PEM + PEM), /exactly one PEM certificate/);
  assert.throws(
    () => removeCertifiBlock(`${CERTIFI_MARKER}\n-----BEGIN CERTIFICATE-----\n`),
    /never closed/,
  );
});
