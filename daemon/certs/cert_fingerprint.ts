import { createHash } from "node:crypto";

const PEM_CERT = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/;

/** DER bytes of the first certificate in `pem`. */
export function certDer(pem: string): Uint8Array {
  const match = PEM_CERT.exec(pem);
  if (!match) {
    throw new Error(
      `Cannot find a PEM certificate in the given text (starts ${
        JSON.stringify(pem.slice(0, 40))
      }); pass the contents of a .pem file`,
    );
  }
  const binary = atob(match[1].replace(/\s+/g, ""));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/**
 * SHA-256 fingerprint of the first certificate in `pem`, as uppercase colon-separated hex:
 * the form `openssl x509 -fingerprint -sha256`, browsers and trust-store tools print.
 */
export function certFingerprint(pem: string): string {
  const hex = createHash("sha256").update(certDer(pem)).digest("hex").toUpperCase();
  return hex.match(/../g)?.join(":") ?? "";
}
