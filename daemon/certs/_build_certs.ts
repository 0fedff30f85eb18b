import { DAY_MS, forge, publicKeyOf, randomSerialHex } from "./_forge.ts";
import type { LeafHost } from "./_host.ts";

export const CA_COMMON_NAME = "Halton Meter Local CA";
export const CA_ORGANIZATION = "Halton Meter";

/** Builds and self-signs the CA certificate for `keyPem`. Pure apart from the random serial. */
export function buildCaCertPem(keyPem: string, now: number): string {
  const key = forge.pki.privateKeyFromPem(keyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKeyOf(key);
  cert.serialNumber = randomSerialHex();
  // Backdated so a client whose clock runs a little slow still accepts the CA.
  cert.validity.notBefore = new Date(now - 2 * DAY_MS);
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + 10);
  cert.validity.notAfter = notAfter;
  const subject = [
    { name: "commonName", value: CA_COMMON_NAME },
    { name: "organizationName", value: CA_ORGANIZATION },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(key, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

/** The parsed CA a leaf issuer signs with. */
export interface ParsedCa {
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
  /** Hex subjectKeyIdentifier of the CA, copied into each leaf's authorityKeyIdentifier. */
  keyId: string;
}

export interface LeafSpec {
  host: LeafHost;
  publicKey: forge.pki.rsa.PublicKey;
  ca: ParsedCa;
  notBefore: Date;
  notAfter: Date;
}

/** Builds a TLS server certificate for one host, signed by the CA with SHA-256. */
export function buildLeafCertPem(spec: LeafSpec): string {
  const { host, ca } = spec;
  const cert = forge.pki.createCertificate();
  cert.publicKey = spec.publicKey;
  cert.serialNumber = randomSerialHex();
  cert.validity.notBefore = spec.notBefore;
  cert.validity.notAfter = spec.notAfter;
  // CN is limited to 64 characters (RFC 5280 ub-common-name); the SAN carries the full name.
  cert.setSubject([
    { name: "commonName", value: host.name.slice(0, 64) },
    { name: "organizationName", value: CA_ORGANIZATION },
  ]);
  cert.setIssuer(ca.cert.subject.attributes);
  const altName = host.kind === "ip"
    ? { type: 7, value: String.fromCharCode(...host.bytes) }
    : { type: 2, value: host.name };
  cert.setExtensions([
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    { name: "subjectAltName", altNames: [altName] },
    { name: "subjectKeyIdentifier" },
    { name: "authorityKeyIdentifier", keyIdentifier: forge.util.hexToBytes(ca.keyId) },
  ]);
  cert.sign(ca.key, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}
