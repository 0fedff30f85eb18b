import assert from "node:assert/strict";
import { sampleTexts } from "./_samples.ts";
import { applyMarkedBlock } from "./_marked_block.ts";
import {
  addCertifiBlock,
  CERTIFI_MARKER,
  holdsCertifiBlock,
  removeCertifiBlock,
} from "./certifi_block.ts";

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

Deno.test("addCertifiBlock then removeCertifiBlock restores the original bytes", () => {
  for (const bundle of BUNDLES) {
    const patched = addCertifiBlock(bundle, PEM);
    assert.equal(removeCertifiBlock(patched), bundle, JSON.stringify(bundle));
    assert.ok(patched.endsWith(bundle), "the bundle's own bytes follow ours unchanged");
    assert.equal(removeCertifiBlock(addCertifiBlock(patched, PEM2)), bundle);
  }
});

Deno.test("addCertifiBlock is idempotent and replaces a rotated CA", () => {
  for (const bundle of BUNDLES) {
    const once = addCertifiBlock(bundle, PEM);
    assert.equal(addCertifiBlock(once, PEM), once);
    assert.equal(addCertifiBlock(once, PEM2), addCertifiBlock(bundle, PEM2));
    assert.ok(holdsCertifiBlock(once, PEM));
    assert.equal(holdsCertifiBlock(once, PEM2), false);
    assert.equal(holdsCertifiBlock(bundle, PEM), false);
  }
});

Deno.test("addCertifiBlock puts the marker line and the PEM at the top: the bundle's tail stays its own", () => {
  assert.equal(addCertifiBlock(ROOT, PEM), `${CERTIFI_MARKER}\n${PEM}${ROOT}`);
  assert.equal(
    addCertifiBlock("x", PEM2),
    `${CERTIFI_MARKER}\n-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----\nx`,
  );
  // A root another tool keeps at the end is still the last thing in the file.
  assert.ok(addCertifiBlock(`${ROOT}${ROOT}`, PEM).endsWith(ROOT));
  // Certificates someone appended after a block of ours survive its removal.
  assert.equal(removeCertifiBlock(addCertifiBlock(ROOT, PEM) + ROOT), ROOT + ROOT);
});

Deno.test("a block an older version appended at the end: still ours, removed exactly, moved up by add", () => {
  const markers = {
    what: "certifi bundle",
    isBegin: (l: string) => l === CERTIFI_MARKER,
    isEnd: (l: string) => l.trimEnd() === "-----END CERTIFICATE-----",
  };
  for (const bundle of BUNDLES) {
    const old = applyMarkedBlock(bundle, `${CERTIFI_MARKER}\n${PEM}`, markers);
    assert.ok(holdsCertifiBlock(old, PEM), JSON.stringify(old));
    assert.equal(removeCertifiBlock(old), bundle);
    assert.equal(addCertifiBlock(old, PEM), addCertifiBlock(bundle, PEM));
  }
});

Deno.test("addCertifiBlock refuses anything but one certificate", () => {
  assert.throws(() => addCertifiBlock("", "not a pem"), /exactly one PEM certificate/);
  assert.throws(() => addCertifiBlock("", PEM + PEM), /exactly one PEM certificate/);
  assert.throws(
    () => removeCertifiBlock(`${CERTIFI_MARKER}\n-----BEGIN CERTIFICATE-----\n`),
    /never closed/,
  );
});
