import type { DatabaseSync } from "node:sqlite";
import { type CallRow, listCalls, MODEL_CALL_ENDPOINTS } from "../../daemon/store/mod.ts";
import type { WireCall } from "./types.ts";

const MODEL_ENDPOINTS: readonly string[] = MODEL_CALL_ENDPOINTS;

export function wireCall(c: CallRow): WireCall {
  return {
    id: c.id,
    startedAt: c.started_at,
    endedAt: c.ended_at,
    provider: c.provider,
    host: c.host,
    path: c.path,
    model: c.response_model ?? c.request_model,
    requestModel: c.request_model,
    client: c.client,
    project: c.project,
    requestId: c.provider_request_id,
    responseId: c.response_id,
    tokens: {
      input: c.input_tokens ?? 0,
      output: c.output_tokens ?? 0,
      cacheRead: c.cache_read_tokens ?? 0,
      cacheWrite5m: c.cache_write_5m_tokens ?? 0,
      cacheWrite1h: c.cache_write_1h_tokens ?? 0,
    },
    complete: c.usage_completeness === "complete",
    serviceTier: c.service_tier,
  };
}

/**
 * The provider's model calls in `[since, until)` (not blocked, not self-tests), oldest first,
 * read a page at a time.
 */
export function loadWireCalls(
  db: DatabaseSync,
  q: { provider: string; since: number; until?: number },
): WireCall[] {
  const out: WireCall[] = [];
  let cursor: string | undefined;
  do {
    const page = listCalls(db, {
      provider: q.provider,
      since: q.since,
      until: q.until,
      limit: 1000,
      cursor,
    });
    for (const c of page.calls) {
      if (MODEL_ENDPOINTS.includes(c.endpoint) && c.policy_action !== "block") {
        out.push(wireCall(c));
      }
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out.reverse();
}
