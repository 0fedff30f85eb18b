/**
 * The SHA-256 of `bytes` as 64 lowercase hex digits (sha256sum's form, as in SHA256SUMS).
 * WebCrypto, not node:crypto: core is imported by the edge, which loads no Node modules.
 */
export async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}
