/** What the interception engine tells the meter about one HTTP exchange. */
export interface ExchangeStart {
  host: string;
  port: number;
  method: string;
  /** Path without the query string. */
  path: string;
  /** Query string without `?` (may carry keys: never stored). */
  query: string;
  headers: Headers;
  /** `Proxy-Authorization` of the CONNECT that opened the tunnel, or null. */
  proxyAuthorization: string | null;
  startedAt: number;
}

export interface ExchangeEnd {
  endedAt: number;
  ttfbMs: number | null;
  bytesUp: number;
  bytesDown: number;
  /** Why the exchange did not complete normally. */
  error?: { kind: string; message: string };
}

/** Receives one exchange's events. Every method must be safe to call and never throw. */
export interface ExchangeObserver {
  onRequestBody(chunk: Uint8Array): void;
  onResponseHead(head: { status: number; headers: Headers }): void;
  /** Decoded (decompressed) response body bytes. */
  onResponseBody(chunk: Uint8Array): void;
  onEnd(end: ExchangeEnd): void;
}
