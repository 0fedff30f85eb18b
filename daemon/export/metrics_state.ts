/**
 * The numbers behind `/metrics` and the OTLP metrics (docs/EXPORT.md). Counters (calls, tokens,
 * cost) are the database's all-time sums: loaded from `rollup_15m` once, then advanced by every
 * row written since, so they never reset on a restart. Histograms (latency, tokens per call)
 * are since the daemon started: they restart at zero, which Prometheus and OTLP consumers read
 * as a counter reset (`rate`, `increase` and cumulative start times handle it).
 */
import type { MetricRow, MetricTotals } from "../store/mod.ts";
import { errorType, operationName, providerName } from "./call_span.ts";
import { createHistogram, type Histogram, observe } from "./_histogram.ts";
import { createLabelBudget, type LabelBudget } from "./_label_budget.ts";

/** Seconds: from a 50 ms answer to a five-minute agent turn. */
export const LATENCY_BOUNDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300] as const;
/** `gen_ai.client.operation.duration`'s advised bucket boundaries (seconds). */
export const GENAI_DURATION_BOUNDS = [
  0.01,
  0.02,
  0.04,
  0.08,
  0.16,
  0.32,
  0.64,
  1.28,
  2.56,
  5.12,
  10.24,
  20.48,
  40.96,
  81.92,
] as const;
/** `gen_ai.client.token.usage`'s advised bucket boundaries. */
export const GENAI_TOKEN_BOUNDS = [
  1,
  4,
  16,
  64,
  256,
  1024,
  4096,
  16384,
  65536,
  262144,
  1048576,
  4194304,
  16777216,
  67108864,
] as const;

export interface Counters {
  calls: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  cost_usd: number;
  unpriced_calls: number;
}

export interface CounterSeries {
  labels: { provider: string; model: string; project: string; client: string };
  values: Counters;
}

export interface LatencySeries {
  labels: { provider: string; model: string };
  duration: Histogram;
  ttfb: Histogram;
}

export interface GenAiSeries {
  attributes: Record<string, string>;
  histogram: Histogram;
}

export interface MetricsSnapshot {
  /** false until the totals could be read from the database. */
  loaded: boolean;
  counters: CounterSeries[];
  latency: LatencySeries[];
  /** `gen_ai.client.operation.duration` points. */
  genAiDuration: GenAiSeries[];
  /** `gen_ai.client.token.usage` points (`gen_ai.token.type` input/output). */
  genAiTokens: GenAiSeries[];
  /** Epoch ms the counters count from (the first call's bucket), for OTLP start times. */
  countersSince: number;
  /** Epoch ms the histograms count from (daemon start). */
  histogramsSince: number;
  labels: ReturnType<LabelBudget["usage"]>;
}

export interface MetricsState {
  /** Replaces the counters with the database's totals; rows after `lastRowid` come by `add`. */
  load(totals: MetricTotals): void;
  /** Adds rows written after the last one seen (self-test rows are skipped). */
  add(rows: readonly MetricRow[]): void;
  /** The last row counted: its rowid (0 before `load`) and id (null when none). */
  position(): { rowid: number; id: string | null };
  snapshot(): MetricsSnapshot;
}

/** Counters at zero (also the count fields of a `MetricTotalsRow`). */
export function zeroCounters(): Counters {
  return {
    calls: 0,
    input_tokens: 0,
    output_tokens: 0,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    reasoning_tokens: 0,
    cost_usd: 0,
    unpriced_calls: 0,
  };
}

export function createMetricsState(
  opts: { maxLabelValues: number; startedAt: number },
): MetricsState {
  const budget = createLabelBudget(opts.maxLabelValues);
  let counters = new Map<string, CounterSeries>();
  const latency = new Map<string, LatencySeries>();
  const genAiDuration = new Map<string, GenAiSeries>();
  const genAiTokens = new Map<string, GenAiSeries>();
  let loaded = false;
  let last = 0;
  let lastId: string | null = null;
  let since = opts.startedAt;

  function counterFor(provider: string, model: string, project: string, client: string) {
    const labels = {
      provider: budget.label("provider", provider),
      model: budget.label("model", model),
      project: budget.label("project", project),
      client: budget.label("client", client),
    };
    const key = `${labels.provider}\0${labels.model}\0${labels.project}\0${labels.client}`;
    let series = counters.get(key);
    if (!series) counters.set(key, series = { labels, values: zeroCounters() });
    return series.values;
  }

  function genAi(
    map: Map<string, GenAiSeries>,
    attrs: Record<string, string>,
    bounds: readonly number[],
  ) {
    const key = JSON.stringify(attrs);
    let s = map.get(key);
    if (!s) map.set(key, s = { attributes: attrs, histogram: createHistogram(bounds) });
    return s.histogram;
  }

  function addRow(r: MetricRow): void {
    const c = counterFor(r.provider, r.model, r.project, r.client);
    c.calls++;
    c.input_tokens += r.input_tokens;
    c.output_tokens += r.output_tokens;
    c.cache_read_tokens += r.cache_read_tokens;
    c.cache_write_tokens += r.cache_write_tokens;
    c.reasoning_tokens += r.reasoning_tokens;
    c.cost_usd += r.cost_usd ?? 0;
    if (r.unpriced) c.unpriced_calls++;

    const provider = budget.label("provider", r.provider);
    const model = budget.label("model", r.model);
    const lkey = `${provider}\0${model}`;
    let l = latency.get(lkey);
    if (!l) {
      latency.set(
        lkey,
        l = {
          labels: { provider, model },
          duration: createHistogram(LATENCY_BOUNDS),
          ttfb: createHistogram(LATENCY_BOUNDS),
        },
      );
    }
    observe(l.duration, r.duration_ms / 1000);
    if (r.ttfb_ms !== null) observe(l.ttfb, r.ttfb_ms / 1000);

    const attrs: Record<string, string> = {
      "gen_ai.operation.name": operationName(r.endpoint),
      "gen_ai.provider.name": providerName(r.provider, r.host),
      "server.address": r.host,
    };
    if (r.request_model !== null) {
      attrs["gen_ai.request.model"] = budget.label("model", r.request_model);
    }
    if (r.response_model !== null) {
      attrs["gen_ai.response.model"] = budget.label("model", r.response_model);
    }
    const error = errorType(r);
    observe(
      genAi(
        genAiDuration,
        error === null ? attrs : { ...attrs, "error.type": error },
        GENAI_DURATION_BOUNDS,
      ),
      r.duration_ms / 1000,
    );
    // Token usage is recorded when the call reported any (the conventions: only when available).
    if (r.input_tokens > 0 || r.output_tokens > 0) {
      observe(
        genAi(genAiTokens, { ...attrs, "gen_ai.token.type": "input" }, GENAI_TOKEN_BOUNDS),
        r.input_tokens,
      );
      observe(
        genAi(genAiTokens, { ...attrs, "gen_ai.token.type": "output" }, GENAI_TOKEN_BOUNDS),
        r.output_tokens,
      );
    }
  }

  const state: MetricsState = {
    load(totals) {
      counters = new Map();
      for (const t of totals.rows) {
        const c = counterFor(t.provider, t.model, t.project, t.client);
        c.calls += t.calls;
        c.input_tokens += t.input_tokens;
        c.output_tokens += t.output_tokens;
        c.cache_read_tokens += t.cache_read_tokens;
        c.cache_write_tokens += t.cache_write_tokens;
        c.reasoning_tokens += t.reasoning_tokens;
        c.cost_usd += t.cost_usd;
        c.unpriced_calls += t.unpriced_calls;
      }
      const first = Math.min(...totals.rows.map((t) => t.first_bucket));
      since = Number.isFinite(first) ? first * 900_000 : opts.startedAt;
      last = totals.lastRowid;
      lastId = totals.lastId;
      loaded = true;
    },
    add(rows) {
      for (const r of rows) {
        if (r.rowid <= last) continue;
        last = r.rowid;
        lastId = r.id;
        if (!r.self_test) addRow(r);
      }
    },
    position: () => ({ rowid: last, id: lastId }),
    snapshot: () => ({
      loaded,
      counters: [...counters.values()],
      latency: [...latency.values()],
      genAiDuration: [...genAiDuration.values()],
      genAiTokens: [...genAiTokens.values()],
      countersSince: since,
      histogramsSince: opts.startedAt,
      labels: budget.usage(),
    }),
  };
  return state;
}
