import type { CallRecord } from "../../core/call_record.ts";
import type { CallRow } from "./types.ts";

/**
 * Rebuilds the nested `CallRecord` from a stored row, for code that prefers the typed
 * shape (reports, re-pricing). Lossy only where the store is: `error_message` was cut
 * to 500 characters and times were rounded to whole milliseconds.
 */
export function callRowToRecord(row: CallRow): CallRecord {
  return {
    id: row.id,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    durationMs: row.duration_ms,
    ttfbMs: row.ttfb_ms,
    provider: row.provider,
    host: row.host,
    method: row.method,
    path: row.path,
    endpoint: row.endpoint,
    requestModel: row.request_model,
    stream: row.stream,
    status: row.status,
    usage: {
      inputTokens: row.input_tokens,
      outputTokens: row.output_tokens,
      cacheReadTokens: row.cache_read_tokens,
      cacheWrite5mTokens: row.cache_write_5m_tokens,
      cacheWrite1hTokens: row.cache_write_1h_tokens,
      reasoningTokens: row.reasoning_tokens,
      webSearchRequests: row.web_search_requests,
      webFetchRequests: row.web_fetch_requests,
      responseModel: row.response_model,
      serviceTier: row.service_tier,
      responseId: row.response_id,
      errorType: row.error_type,
      errorMessage: row.error_message,
      completeness: row.usage_completeness,
      providerCostUsd: row.provider_cost_usd,
    },
    cost: {
      totalUsd: row.cost_usd,
      inputUsd: row.cost_input_usd,
      cacheReadUsd: row.cost_cache_read_usd,
      cacheWriteUsd: row.cost_cache_write_usd,
      outputUsd: row.cost_output_usd,
      unpricedReason: row.unpriced_reason,
      priceVersion: row.price_version,
    },
    project: row.project,
    projectSource: row.project_source,
    client: row.client,
    apiKeyFingerprint: row.api_key_fp,
    providerRequestId: row.provider_request_id,
    rateLimit: row.rate_limit,
    bytesUp: row.bytes_up,
    bytesDown: row.bytes_down,
    selfTest: row.self_test,
    policy: row.policy_action === null
      ? null
      : { action: row.policy_action, id: row.policy_id, message: row.policy_message },
  };
}
