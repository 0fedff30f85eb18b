/**
 * The OTLP metrics (docs/EXPORT.md): the GenAI client metrics `gen_ai.client.operation.duration`
 * and `gen_ai.client.token.usage` (histograms since the daemon started), and all-time counters
 * from the database, `halton_meter.cost` (USD), `halton_meter.calls` and `halton_meter.tokens`,
 * whose start time is the first recorded call's, so a restart does not reset them. All cumulative.
 */
import type { Resource } from "@opentelemetry/resources";
import {
  AggregationTemporality,
  DataPointType,
  type MetricData,
  type ResourceMetrics,
} from "@opentelemetry/sdk-metrics";
import type { Histogram } from "./_histogram.ts";
import type { Scope } from "./call_span.ts";
import type { CounterSeries, MetricsSnapshot } from "./metrics_state.ts";

const INT = 0;
const DOUBLE = 1;
type ValueType = MetricData["descriptor"]["valueType"];

function hr(ms: number): [number, number] {
  const s = Math.floor(ms / 1000);
  return [s, Math.round((ms - s * 1000) * 1e6)];
}

function histogramValue(h: Histogram) {
  return {
    buckets: { boundaries: [...h.bounds], counts: [...h.counts] },
    sum: h.sum,
    count: h.count,
    min: h.count ? h.min : undefined,
    max: h.count ? h.max : undefined,
  };
}

function counterAttributes(s: CounterSeries): Record<string, string> {
  return {
    "halton_meter.provider": s.labels.provider,
    "gen_ai.response.model": s.labels.model,
    "halton_meter.project": s.labels.project,
    "halton_meter.client": s.labels.client,
  };
}

/** The metrics as `ResourceMetrics`, for the OTLP serializers; null before the totals loaded. */
export function otlpMetrics(
  snap: MetricsSnapshot,
  resource: Resource,
  scope: Scope,
  now: number,
): ResourceMetrics | null {
  if (!snap.loaded) return null;
  const end = hr(now);
  const hStart = hr(snap.histogramsSince);
  const cStart = hr(Math.min(snap.countersSince, now));
  const metrics: MetricData[] = [];
  metrics.push({
    descriptor: {
      name: "gen_ai.client.operation.duration",
      description: "GenAI operation duration.",
      unit: "s",
      valueType: DOUBLE as ValueType,
    },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.HISTOGRAM,
    dataPoints: snap.genAiDuration.map((s) => ({
      startTime: hStart,
      endTime: end,
      attributes: s.attributes,
      value: histogramValue(s.histogram),
    })),
  });
  metrics.push({
    descriptor: {
      name: "gen_ai.client.token.usage",
      description: "Number of input and output tokens used.",
      unit: "{token}",
      valueType: INT as ValueType,
    },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.HISTOGRAM,
    dataPoints: snap.genAiTokens.map((s) => ({
      startTime: hStart,
      endTime: end,
      attributes: s.attributes,
      value: histogramValue(s.histogram),
    })),
  });
  const sum = (
    name: string,
    description: string,
    unit: string,
    valueType: number,
    points: { attributes: Record<string, string>; value: number }[],
  ): MetricData => ({
    descriptor: { name, description, unit, valueType: valueType as ValueType },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.SUM,
    isMonotonic: true,
    dataPoints: points.map((p) => ({ startTime: cStart, endTime: end, ...p })),
  });
  metrics.push(sum(
    "halton_meter.cost",
    "Cost of priced calls (all recorded calls, from the database).",
    "USD",
    DOUBLE,
    snap.counters.map((s) => ({ attributes: counterAttributes(s), value: s.values.cost_usd })),
  ));
  metrics.push(sum(
    "halton_meter.calls",
    "Calls recorded (from the database).",
    "{call}",
    INT,
    snap.counters.map((s) => ({ attributes: counterAttributes(s), value: s.values.calls })),
  ));
  const tokenPoints = snap.counters.flatMap((s) =>
    (
      [
        ["input", s.values.input_tokens],
        ["output", s.values.output_tokens],
        ["cache_read", s.values.cache_read_tokens],
        ["cache_write", s.values.cache_write_tokens],
        ["reasoning", s.values.reasoning_tokens],
      ] as const
    ).map(([type, value]) => ({
      attributes: { ...counterAttributes(s), "gen_ai.token.type": type },
      value,
    }))
  );
  metrics.push(
    sum("halton_meter.tokens", "Tokens recorded (from the database).", "{token}", INT, tokenPoints),
  );
  return { resource, scopeMetrics: [{ scope, metrics }] };
}
