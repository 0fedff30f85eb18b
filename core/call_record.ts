import type { Usage } from "./usage.ts";

/** Cost of one call, priced from its Usage. All USD. */
export interface Cost {
  /** null when unpriced; never 0 for an unknown model. */
  totalUsd: number | null;
  inputUsd: number | null;
  cacheReadUsd: number | null;
  cacheWriteUsd: number | null;
  outputUsd: number | null;
  /** null when priced; otherwise why not: `unpriced` (model unknown), `no_usage`, `error`. */
  unpricedReason: string | null;
  /** Version/date of the price data used, stored so history can be re-priced. */
  priceVersion: string | null;
}

/** One metered call: everything the store writes as one row. */
export interface CallRecord {
  id: string;
  startedAt: number; // epoch ms
  endedAt: number; // epoch ms
  durationMs: number;
  ttfbMs: number | null;
  provider: string; // adapter family / provider id, e.g. "anthropic", "openai"
  host: string;
  method: string;
  path: string; // without query string (query may carry keys)
  endpoint: string; // endpoint kind: "messages", "chat_completions", "responses", "count_tokens", "other", ...
  requestModel: string | null;
  stream: boolean;
  status: number | null; // HTTP status; null when no response (upstream failure)
  usage: Usage;
  cost: Cost;
  project: string | null;
  projectSource: string | null; // "proxy_auth" | "header" | "process_cwd" | null (docs/PROJECTS.md)
  client: string | null; // user-agent family, e.g. "claude-code", "anthropic-sdk-python", "curl"
  apiKeyFingerprint: string | null; // first 8 hex of sha256(key); never the key
  providerRequestId: string | null; // from response headers (request-id, x-request-id)
  rateLimit: Record<string, string> | null; // snapshot of rate-limit headers
  bytesUp: number;
  bytesDown: number;
  /** Self-test rows are excluded from reports. */
  selfTest: boolean;
  /** What policy decided before forwarding; absent or null when no policy was in force. */
  policy?: CallPolicy | null;
}

/** A policy decision as recorded with the call. */
export interface CallPolicy {
  action: "allow" | "warn" | "block";
  /** `rule:<id>`, `budget:<id>` or `quota:<id>`; null when nothing matched (allowed). */
  id: string | null;
  message: string | null;
}
