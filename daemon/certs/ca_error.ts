/** Why the CA on disk cannot be used. Every case needs a human decision, so none self-heals. */
export type CaErrorCode =
  | "ca-incomplete"
  | "ca-mismatch"
  | "ca-unreadable"
  | "ca-not-a-ca"
  | "ca-expired";

/**
 * Thrown by `ensureCa` when the CA files exist but cannot be used. The CA is never
 * regenerated silently: clients and trust stores already trust the old one.
 */
export class CaError extends Error {
  readonly code: CaErrorCode;

  constructor(code: CaErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CaError";
    this.code = code;
  }
}
