import assert from "node:assert/strict";
import type { CallRow, UsageBlock } from "../../daemon/store/mod.ts";
import { assertGolden } from "../usage/_test_calls.ts";
import { renderFrame, type WatchData } from "./render_frame.ts";

const NOW = Date.parse("2026-03-11T16:10:05Z");

function call(i: number, over: Partial<CallRow> = {}): CallRow {
  return {
    id: `c${i}`,
    started_at: NOW - i * 61_000,
    ended_at: NOW - i * 61_000 + 1500,
    duration_ms: 1500,
    ttfb_ms: 300,
    provider: "anthropic",
    host: "api.anthropic.com",
    method: "POST",
    path: "/v1/messages",
    endpoint: "messages",
    request_model: "claude-sonnet-4-5",
    response_model: "claude-sonnet-4-5-20250929",
    stream: true,
    status: 200,
    error_type: null,
    error_message: null,
    input_tokens: 12_000 + i,
    output_tokens: 340,
    cache_read_tokens: 8_000,
    cache_write_5m_tokens: 0,
    cache_write_1h_tokens: 0,
    reasoning_tokens: null,
    web_search_requests: null,
    web_fetch_requests: null,
    service_tier: "standard",
    response_id: `msg_${i}`,
    usage_completeness: "complete",
    cost_usd: 0.0123,
    cost_input_usd: null,
    cost_cache_read_usd: null,
    cost_cache_write_usd: null,
    cost_output_usd: null,
    unpriced_reason: null,
    price_version: "test",
    provider_cost_usd: null,
    project: "acme-api",
    project_source: "process_cwd",
    client: "claude-code",
    api_key_fp: "a1b2c3d4",
    provider_request_id: `req_${i}`,
    rate_limit: null,
    bytes_up: 1,
    bytes_down: 1,
    self_test: false,
    policy_action: "allow",
    policy_id: null,
    policy_message: null,
    ...over,
  };
}

const block: UsageBlock = {
  start: Date.parse("2026-03-11T14:00:00Z"),
  end: Date.parse("2026-03-11T19:00:00Z"),
  aligned: "anthropic_reset",
  active: true,
  first_call_at: Date.parse("2026-03-11T14:10:00Z"),
  last_call_at: NOW,
  calls: 87,
  input_tokens: 1_200_000,
  output_tokens: 40_000,
  cache_read_tokens: 900_000,
  cache_write_tokens: 10_000,
  total_tokens: 1_240_000,
  cost_usd: 4.56,
  unpriced_calls: 0,
  models: ["claude-sonnet-4-5-20250929"],
  utilization: 0.31,
  burn: { usd_per_hour: 2.28, tokens_per_minute: 10_333 },
  projection: { cost_usd: 11.02, total_tokens: 3_000_000 },
};

const DATA: WatchData = {
  now: NOW,
  timeZone: "Europe/Paris",
  today: {
    calls: 321,
    other_calls: 22,
    blocked_calls: 1,
    input_tokens: 1_000_000,
    output_tokens: 234_567,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    reasoning_tokens: 0,
    cost_usd: 12.34,
    unpriced_calls: 0,
  },
  models: [
    { model: "claude-sonnet-4-5-20250929", cost_usd: 10.2, calls: 200 },
    { model: "gpt-5", cost_usd: 1.84, calls: 100 },
    { model: "claude-haiku-4-5", cost_usd: 0.3, calls: 21 },
  ],
  block,
  budgets: [{
    id: "acme-weekly",
    window: "week",
    time_zone: "Europe/Paris",
    scope: { project: "acme-*" },
    cap_usd: 40,
    cap_tokens: null,
    warn_at: 0.8,
    on_exceed: "block",
    spent_usd: 34,
    spent_tokens: 0,
    reserved_usd: 0,
    in_flight: 0,
    percent: 85,
    state: "warn",
    window_start: Date.parse("2026-03-08T23:00:00Z"),
    resets_at: Date.parse("2026-03-15T23:00:00Z"),
    burn_usd_per_hour: 1.2,
    burn_tokens_per_hour: 0,
    projected_exhaustion_at: null,
    projection: "before_reset",
    message: "",
  }],
  budgetSource: "daemon",
  calls: [
    call(0),
    call(1, { policy_action: "block", status: 402, cost_usd: 0, response_model: null }),
    ...Array.from({ length: 30 }, (_, i) => call(i + 2)),
  ],
};

Deno.test("renderFrame: a golden frame at 110x30", () => {
  const lines = renderFrame(DATA, { columns: 110, rows: 30 });
  assert.equal(lines.length, 30);
  assertGolden(
    new URL(".", import.meta.url),
    "watch_110x30.txt",
    lines.map((l) => l.text).join("\n") + "\n",
  );
  assert.equal(lines.find((l) => l.text.includes("acme-weekly"))?.tone, "warn");
  assert.equal(lines.find((l) => l.text.includes(" 402 "))?.tone, "bad");
});

Deno.test("renderFrame: never wider or taller than the terminal", () => {
  for (const [columns, rows] of [[40, 10], [60, 16], [200, 60], [10, 3]]) {
    const lines = renderFrame(DATA, { columns, rows });
    assert.ok(lines.length <= rows, `${columns}x${rows}: ${lines.length} lines`);
    for (const l of lines) {
      assert.ok([...l.text].length <= columns, `${columns}x${rows}: ${l.text}`);
    }
  }
  const empty = renderFrame(
    { ...DATA, today: null, models: [], block: null, budgets: [], budgetSource: null, calls: [] },
    { columns: 80, rows: 24 },
  ).map((l) => l.text).join("\n");
  assert.match(empty, /nothing metered yet/);
  assert.match(empty, /none active/);
  assert.match(empty, /none yet/);
});
