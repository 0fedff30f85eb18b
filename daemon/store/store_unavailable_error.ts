/**
 * The database cannot be read right now (missing, corrupt, unreadable). Expected while
 * the store is degraded; the API answers 503 with this message.
 */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StoreUnavailableError";
  }
}
