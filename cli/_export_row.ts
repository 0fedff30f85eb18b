/**
 * The OTLP exporter as the running daemon reports it in `/health` (`export`), read once and shared
 * by `status` (its `export` row) and `doctor` (`daemon.export`). See docs/EXPORT.md.
 */
import { healthSection, type HttpProbe } from "./_probes.ts";

export interface ExportRow {
  /** `off`: not configured; `unknown`: the daemon's API did not answer (or predates export). */
  state: "ok" | "retrying" | "off" | "invalid" | "unknown";
  detail: string;
  endpoint: string | null;
  /** Rows in the database the collector has not accepted yet. */
  rows_behind: number | null;
  /** Seconds since the oldest of them was written. */
  oldest_unexported_age_s: number | null;
  /** Spans accepted since the daemon started. */
  exported_spans: number | null;
  last_error: string | null;
  /** ISO time of the last accepted request. */
  last_success_at: string | null;
}

const num = (v: unknown): number | null => typeof v === "number" && Number.isFinite(v) ? v : null;
const str = (v: unknown): string | null => typeof v === "string" && v !== "" ? v : null;

function unknown(detail: string): ExportRow {
  return {
    state: "unknown",
    detail,
    endpoint: null,
    rows_behind: null,
    oldest_unexported_age_s: null,
    exported_spans: null,
    last_error: null,
    last_success_at: null,
  };
}

/** The export row from the daemon's `GET /health` (`null`: not asked). */
export function exportRow(probe: HttpProbe | null): ExportRow {
  if (probe === null || probe.kind !== "answered") {
    return unknown("the daemon's API does not answer");
  }
  const r = healthSection(probe, "export");
  if (r === null) return unknown("the daemon does not report an exporter (older version?)");
  const traces = (typeof r.traces === "object" && r.traces !== null ? r.traces : {}) as Record<
    string,
    unknown
  >;
  const metrics = (typeof r.metrics === "object" && r.metrics !== null ? r.metrics : {}) as Record<
    string,
    unknown
  >;
  const state = ["ok", "retrying", "off", "invalid"].includes(String(r.state))
    ? r.state as ExportRow["state"]
    : "unknown";
  const success = num(traces.lastSuccessAt);
  const row: ExportRow = {
    state,
    detail: "",
    endpoint: str(r.endpoint),
    rows_behind: num(r.rowsBehind),
    oldest_unexported_age_s: num(r.oldestUnexportedAgeS),
    exported_spans: num(r.exportedSpans),
    last_error: str(traces.lastError) ?? str(metrics.lastError),
    last_success_at: success === null ? null : new Date(success).toISOString(),
  };
  const behind = row.rows_behind === null
    ? ""
    : row.rows_behind === 0
    ? "; up to date"
    : `; ${row.rows_behind} rows behind${
      row.oldest_unexported_age_s !== null ? `, oldest ${row.oldest_unexported_age_s} s old` : ""
    }`;
  if (state === "off" || state === "invalid") row.detail = str(r.detail) ?? state;
  else if (state === "ok") row.detail = `OTLP to ${row.endpoint}${behind}`;
  else row.detail = `OTLP to ${row.endpoint} failing, retrying${behind}: ${row.last_error ?? "?"}`;
  return row;
}
