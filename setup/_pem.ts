const CERT_RE = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;

/**
 * The base64 bodies of every certificate in a PEM text, whitespace removed: stores
 * re-wrap and re-label certificates, so identity is the DER, not the text.
 */
export function pemBodies(text: string): string[] {
  return [...text.matchAll(CERT_RE)].map((m) => m[1].replace(/\s+/g, ""));
}

/** The one certificate in `pem`, or an error naming what was found instead. */
export function singlePemBody(pem: string, where: string): string {
  const bodies = pemBodies(pem);
  if (bodies.length !== 1) {
    throw new Error(
      `Cannot use the CA at ${where}: expected exactly one PEM certificate, found ${bodies.length}; run halton-meter init to recreate it`,
    );
  }
  return bodies[0];
}

/** Whether `text` holds the certificate with this base64 body. */
export function containsCert(text: string, body: string): boolean {
  return pemBodies(text).includes(body);
}

/** Upper-case hex SHA-1 of the DER: the thumbprint macOS and Windows key certificates by. */
export async function sha1Thumbprint(body: string): Promise<string> {
  const der = Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-1", der));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("").toUpperCase();
}
