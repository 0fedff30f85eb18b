import type { OtlpProtocol } from "./otlp_settings.ts";

/** One OTLP signal's sending state. */
export interface SignalState {
  /** `retrying`: the last attempt failed; the next one is scheduled (nothing is lost). */
  state: "ok" | "retrying" | "idle";
  lastError: string | null;
  /** Epoch ms. */
  lastErrorAt: number | null;
  /** Epoch ms of the last accepted request. */
  lastSuccessAt: number | null;
  /** Failed attempts since the daemon started. */
  failures: number;
}

/** What `/health` (`export`), `status` and `doctor` show of the OTLP exporter (docs/EXPORT.md). */
export interface ExportState {
  /** `off`: no endpoint or disabled; `invalid`: the settings are wrong (`detail` says how). */
  state: "off" | "invalid" | "ok" | "retrying";
  detail: string;
  /** Where spans go (without credentials); null when off. */
  endpoint: string | null;
  protocol: OtlpProtocol | null;
  /** Rows written to the database and not yet accepted by the collector; null when unknown. */
  rowsBehind: number | null;
  /** Seconds since the oldest of them was written; null when none (or unknown). */
  oldestUnexportedAgeS: number | null;
  /** Spans the collector accepted since the daemon started. */
  exportedSpans: number;
  traces: SignalState;
  /** null: OTLP metrics off. */
  metrics: SignalState | null;
}
