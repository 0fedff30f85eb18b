/**
 * The Prometheus text exposition (format 0.0.4) of the metrics (docs/EXPORT.md): counters from
 * the database's totals, latency histograms since start, and the store's and exporter's gauges.
 */
import type { StoreState } from "../store/mod.ts";
import type { Histogram } from "./_histogram.ts";
import type { Counters, MetricsSnapshot } from "./metrics_state.ts";
import type { ExportState } from "./types.ts";

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

function escapeLabel(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

function labelText(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}

function value(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (n === Infinity) return "+Inf";
  if (n === -Infinity) return "-Inf";
  return String(n);
}

class Out {
  lines: string[] = [];
  family(name: string, type: string, help: string): void {
    this.lines.push(`# HELP ${name} ${help.replaceAll("\\", "\\\\").replaceAll("\n", "\\n")}`);
    this.lines.push(`# TYPE ${name} ${type}`);
  }
  sample(name: string, labels: Record<string, string>, n: number): void {
    this.lines.push(`${name}${labelText(labels)} ${value(n)}`);
  }
  histogram(name: string, labels: Record<string, string>, h: Histogram): void {
    let cumulative = 0;
    h.bounds.forEach((le, i) => {
      cumulative += h.counts[i];
      this.sample(`${name}_bucket`, { ...labels, le: String(le) }, cumulative);
    });
    this.sample(`${name}_bucket`, { ...labels, le: "+Inf" }, h.count);
    this.sample(`${name}_sum`, labels, h.sum);
    this.sample(`${name}_count`, labels, h.count);
  }
}

const TOKEN_TYPES: [string, keyof Counters][] = [
  ["input", "input_tokens"],
  ["output", "output_tokens"],
  ["cache_read", "cache_read_tokens"],
  ["cache_write", "cache_write_tokens"],
  ["reasoning", "reasoning_tokens"],
];

/** The whole `/metrics` body. `exporter` is null when OTLP export is not configured. */
export function renderPrometheus(
  snap: MetricsSnapshot,
  store: StoreState,
  exporter: ExportState | null,
): string {
  const o = new Out();
  if (snap.loaded) {
    o.family(
      "halton_meter_calls_total",
      "counter",
      "Calls recorded in the database (all time; self tests excluded).",
    );
    for (const s of snap.counters) o.sample("halton_meter_calls_total", s.labels, s.values.calls);
    o.family(
      "halton_meter_tokens_total",
      "counter",
      "Tokens recorded (all time). input includes cache reads and writes; output includes reasoning.",
    );
    for (const s of snap.counters) {
      for (const [type, key] of TOKEN_TYPES) {
        o.sample("halton_meter_tokens_total", { ...s.labels, type }, s.values[key]);
      }
    }
    o.family(
      "halton_meter_cost_usd_total",
      "counter",
      "Cost of priced calls in USD (all time); see halton_meter_unpriced_calls_total.",
    );
    for (const s of snap.counters) {
      o.sample("halton_meter_cost_usd_total", s.labels, s.values.cost_usd);
    }
    o.family(
      "halton_meter_unpriced_calls_total",
      "counter",
      "Calls with usage but no price (unknown model): the cost total misses them.",
    );
    for (const s of snap.counters) {
      o.sample("halton_meter_unpriced_calls_total", s.labels, s.values.unpriced_calls);
    }
  }
  o.family(
    "halton_meter_metrics_loaded",
    "gauge",
    "1 once the totals were read from the database.",
  );
  o.sample("halton_meter_metrics_loaded", {}, snap.loaded ? 1 : 0);
  o.family(
    "halton_meter_label_values_overflowed",
    "gauge",
    "Distinct values counted under other because the label already has its maximum of values.",
  );
  for (const [dim, u] of Object.entries(snap.labels)) {
    o.sample("halton_meter_label_values_overflowed", { label: dim }, u.overflowed);
  }
  o.family(
    "halton_meter_call_duration_seconds",
    "histogram",
    "Call duration, request to end of response (since the daemon started).",
  );
  for (const l of snap.latency) {
    o.histogram("halton_meter_call_duration_seconds", l.labels, l.duration);
  }
  o.family(
    "halton_meter_time_to_first_byte_seconds",
    "histogram",
    "Time to the response's first byte (since the daemon started).",
  );
  for (const l of snap.latency) {
    o.histogram("halton_meter_time_to_first_byte_seconds", l.labels, l.ttfb);
  }

  o.family("halton_meter_store_degraded", "gauge", "1 while the database refuses rows.");
  o.sample("halton_meter_store_degraded", {}, store.state === "ok" ? 0 : 1);
  o.family("halton_meter_store_queued_rows", "gauge", "Rows in memory not yet in the database.");
  o.sample("halton_meter_store_queued_rows", {}, store.queued);
  o.family("halton_meter_store_spooled_rows", "gauge", "Rows only the spool file holds.");
  o.sample("halton_meter_store_spooled_rows", {}, store.spooled);
  o.family("halton_meter_store_memory_only_rows", "gauge", "Rows a kill would lose (memory only).");
  o.sample("halton_meter_store_memory_only_rows", {}, store.memoryOnly);
  o.family(
    "halton_meter_store_dropped_rows_total",
    "counter",
    "Rows lost since the daemon started.",
  );
  o.sample("halton_meter_store_dropped_rows_total", {}, store.dropped);
  o.family("halton_meter_spool_bytes", "gauge", "Bytes of rows in the spool file.");
  o.sample("halton_meter_spool_bytes", {}, store.spoolBytes);

  o.family("halton_meter_export_enabled", "gauge", "1 when OTLP export is configured.");
  const on = exporter !== null && (exporter.state === "ok" || exporter.state === "retrying");
  o.sample("halton_meter_export_enabled", {}, on ? 1 : 0);
  if (exporter !== null && on) {
    o.family("halton_meter_export_rows_behind", "gauge", "Rows not yet accepted by the collector.");
    o.sample("halton_meter_export_rows_behind", {}, exporter.rowsBehind ?? 0);
    o.family(
      "halton_meter_export_oldest_unexported_age_seconds",
      "gauge",
      "Age of the oldest row not yet accepted by the collector (0: none).",
    );
    o.sample(
      "halton_meter_export_oldest_unexported_age_seconds",
      {},
      exporter.oldestUnexportedAgeS ?? 0,
    );
    o.family(
      "halton_meter_export_spans_total",
      "counter",
      "Spans accepted since the daemon started.",
    );
    o.sample("halton_meter_export_spans_total", {}, exporter.exportedSpans);
    o.family(
      "halton_meter_export_failures_total",
      "counter",
      "Failed export requests since start.",
    );
    o.sample("halton_meter_export_failures_total", { signal: "traces" }, exporter.traces.failures);
    if (exporter.metrics) {
      o.sample(
        "halton_meter_export_failures_total",
        { signal: "metrics" },
        exporter.metrics.failures,
      );
    }
  }
  return `${o.lines.join("\n")}\n`;
}
