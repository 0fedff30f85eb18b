// Single place that imports node-forge, so its types (shipped separately as an ambient
// module in @types/node-forge) are wired once. Forge is used only to build and sign
// certificates; key generation and TLS are native (node:crypto, node:tls).
// @ts-types="@types/node-forge"
import forge from "node-forge";
import { generateKeyPair, getRandomValues } from "node:crypto";

export { forge };

/** Generates an RSA-2048 private key as PKCS#8 PEM. Native: forge's pure-JS keygen takes seconds. */
export function generateRsaKeyPem(): Promise<string> {
  return new Promise((resolve, reject) => {
    generateKeyPair(
      "rsa",
      {
        modulusLength: 2048,
        publicKeyEncoding: { type: "spki", format: "pem" },
        privateKeyEncoding: { type: "pkcs8", format: "pem" },
      },
      (err, _publicKey, privateKey) => {
        if (err) reject(new Error("Cannot generate an RSA-2048 key", { cause: err }));
        else resolve(privateKey);
      },
    );
  });
}

/**
 * A random 16-byte serial as hex. The top bit is cleared so the DER INTEGER stays positive
 * and a high nibble is set so it never starts with a zero byte (RFC 5280 §4.1.2.2).
 */
export function randomSerialHex(): string {
  const bytes = new Uint8Array(16);
  getRandomValues(bytes);
  bytes[0] = (bytes[0] & 0x7f) | 0x40;
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The public key that matches a forge RSA private key. */
export function publicKeyOf(key: forge.pki.rsa.PrivateKey): forge.pki.rsa.PublicKey {
  return forge.pki.setRsaPublicKey(key.n, key.e);
}

/** Whether `cert` carries the public half of `key` (same modulus and exponent). */
export function certMatchesKey(
  cert: forge.pki.Certificate,
  key: forge.pki.rsa.PrivateKey,
): boolean {
  const pub = cert.publicKey as forge.pki.rsa.PublicKey;
  return typeof pub.n === "object" && pub.n.equals(key.n) && pub.e.equals(key.e);
}

/** Hex subjectKeyIdentifier of a parsed certificate, or undefined when it has none. */
export function subjectKeyIdOf(cert: forge.pki.Certificate): string | undefined {
  const ext: unknown = cert.getExtension("subjectKeyIdentifier");
  if (typeof ext !== "object" || ext === null || !("subjectKeyIdentifier" in ext)) return undefined;
  const hex = ext.subjectKeyIdentifier;
  return typeof hex === "string" && hex !== "" ? hex : undefined;
}

const DAY_MS = 24 * 60 * 60 * 1000;
export { DAY_MS };
