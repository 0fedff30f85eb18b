import assert from "node:assert/strict";
import type { MetricRow } from "../store/mod.ts";
import { createMetricsState } from "./metrics_state.ts";
import { metricRow } from "./_test_metric_row.ts";
import { renderPrometheus } from "./render_prometheus.ts";

const store = {
  state: "ok" as const,
  queued: 2,
  spooled: 0,
  dropped: 0,
  memoryOnly: 0,
  memoryCap: 50_000,
  spoolBytes: 10,
  spoolFileBytes: 100,
  spoolReserveBytes: 100,
};

function row(rowid: number, project: string, cost: number | null): MetricRow {
  return metricRow(rowid, { project, cost_usd: cost, unpriced: cost === null });
}

Deno.test("renderPrometheus: counters from the totals plus later rows; bounded, escaped labels", () => {
  const state = createMetricsState({ maxLabelValues: 2, startedAt: 0 });
  state.load({
    rows: [{
      provider: "anthropic",
      model: "claude-x",
      project: "first",
      client: "curl",
      calls: 3,
      input_tokens: 30,
      output_tokens: 15,
      cache_read_tokens: 0,
      cache_write_tokens: 0,
      reasoning_tokens: 0,
      cost_usd: 0.25,
      unpriced_calls: 0,
      first_bucket: 1,
    }],
    lastRowid: 3,
    lastId: "call-3",
  });
  state.add([
    row(2, "ignored: before lastRowid", 9),
    row(4, 'we"ird\\', 0.5),
    row(5, "third", null),
    row(6, "fourth", 1),
  ]);
  const text = renderPrometheus(state.snapshot(), store, null);
  assert.match(text, /^# TYPE halton_meter_cost_usd_total counter$/m);
  assert.match(
    text,
    /^halton_meter_cost_usd_total\{provider="anthropic",model="claude-x",project="first",client="curl"\} 0\.25$/m,
  );
  assert.match(text, /^halton_meter_cost_usd_total\{[^}]*project="we\\"ird\\\\"[^}]*\} 0\.5$/m);
  // Two project values at most: third and fourth share `other`.
  assert.match(text, /^halton_meter_calls_total\{[^}]*project="other"[^}]*\} 2$/m);
  assert.match(text, /^halton_meter_cost_usd_total\{[^}]*project="other"[^}]*\} 1$/m);
  assert.match(text, /^halton_meter_unpriced_calls_total\{[^}]*project="other"[^}]*\} 1$/m);
  assert.match(text, /^halton_meter_label_values_overflowed\{label="project"\} 2$/m);
  assert.doesNotMatch(text, /ignored/);
  assert.match(
    text,
    /^halton_meter_call_duration_seconds_bucket\{provider="anthropic",model="claude-x",le="0\.25"\} 0$/m,
  );
  assert.match(
    text,
    /^halton_meter_call_duration_seconds_bucket\{provider="anthropic",model="claude-x",le="0\.5"\} 3$/m,
  );
  assert.match(
    text,
    /^halton_meter_call_duration_seconds_count\{provider="anthropic",model="claude-x"\} 3$/m,
  );
  assert.match(text, /^halton_meter_store_queued_rows 2$/m);
  assert.match(text, /^halton_meter_export_enabled 0$/m);
  assert.ok(text.endsWith("\n"));
});
