/** A metrics row for tests: one 10-in / 5-out Anthropic call by curl, fields overridable. */
import type { MetricRow } from "../store/mod.ts";

export function metricRow(
  rowid: number,
  over: Partial<MetricRow> & Pick<MetricRow, "project">,
): MetricRow {
  return {
    rowid,
    id: `call-${rowid}`,
    provider: "anthropic",
    host: "api.anthropic.com",
    endpoint: "messages",
    model: "claude-x",
    request_model: "claude-x",
    response_model: "claude-x",
    client: "curl",
    status: 200,
    error_type: null,
    input_tokens: 10,
    output_tokens: 5,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    reasoning_tokens: 0,
    cost_usd: 0,
    unpriced: false,
    duration_ms: 300,
    ttfb_ms: 100,
    self_test: false,
    ...over,
  };
}
