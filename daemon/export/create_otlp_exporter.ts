/**
 * The OTLP exporter (docs/EXPORT.md): it reads the calls database on its own schedule, after a
 * persisted position, and never touches a call in flight. Each turn reads at most `batchSize`
 * rows (the only rows it holds in memory), sends them as one request, and moves the position
 * (written atomically) only once the collector accepted them: at-least-once, and a span sent
 * twice has the same ids. A collector that is down or refuses is retried with backoff (1 s
 * doubling to 30 s, or its `Retry-After`), forever; the position waits, so an outage of an hour
 * loses nothing and costs one small request per retry. Metrics are cumulative and sent every
 * `metricsIntervalMs`; a failed send is made good by the next.
 */
import type { ResourceMetrics } from "@opentelemetry/sdk-metrics";
import type { RowPosition, Store } from "../store/mod.ts";
import { callSpan, isSelfTest, type Scope, SPAN_COLUMNS } from "./call_span.ts";
import {
  createTraceEncoder,
  encodeMetrics,
  type OtlpBody,
  type TraceBatch,
} from "./encode_otlp.ts";
import { readCursor, writeCursor } from "./export_cursor.ts";
import type { OtlpSettings, OtlpTarget } from "./otlp_settings.ts";
import { safeUrl, type SendResult } from "./send_otlp.ts";
import type { ExportState, SignalState } from "./types.ts";

export interface OtlpExporterDeps {
  store: Pick<Store, "exportRowsAfter" | "exportLag">;
  settings: OtlpSettings;
  /** `<home>/export/otlp-cursor.json`. */
  cursorPath: string;
  /** The resource every span carries. */
  resource: Record<string, string>;
  scope: Scope;
  /** The metrics to send now; null: not ready. Absent: no OTLP metrics. */
  metrics?: () => ResourceMetrics | null;
  /** Sends one request; `signal` aborts it when the exporter closes. */
  send(target: OtlpTarget, body: OtlpBody, signal: AbortSignal): Promise<SendResult>;
  now(): number;
  log(level: "info" | "warn", message: string): void;
  /** 0..1, for backoff jitter. */
  random?(): number;
  /** First retry delay; doubles up to MAX_BACKOFF_MS. Default 1000 (tests use less). */
  minBackoffMs?: number;
  /** Rows read and encoded between two turns of the event loop. Default SLICE_ROWS. */
  sliceRows?: number;
  /**
   * True while the daemon has calls in flight: export steps aside for them (see
   * MAX_STEP_ASIDE_MS). Absent: never busy.
   */
  busy?(): boolean;
  /** Default MAX_STEP_ASIDE_MS (tests use less). */
  maxStepAsideMs?: number;
}

export interface OtlpExporter {
  state(): ExportState;
  /** Stops after the request in flight (if any); the position stays where it was accepted. */
  close(): Promise<void>;
}

export const MAX_BACKOFF_MS = 30_000;
/**
 * A batch is read and encoded this many rows at a time, with a turn of the event loop between
 * slices, so calls in flight wait at most one slice (well under a millisecond), never a batch.
 */
export const SLICE_ROWS = 16;
/**
 * Export is background work: while calls are in flight it waits (polling every
 * STEP_ASIDE_POLL_MS) so the calls get the CPU, and works in the gaps between them. Under load
 * that never pauses it waits at most this long, then goes on at full pace until a quiet moment:
 * the lag it builds is bounded, and nothing is lost either way (the rows are in the database).
 */
export const MAX_STEP_ASIDE_MS = 10_000;
const STEP_ASIDE_POLL_MS = 5;
const MAX_RETRY_AFTER_MS = 300_000;

function signal(): SignalState {
  return { state: "idle", lastError: null, lastErrorAt: null, lastSuccessAt: null, failures: 0 };
}

/** The state of an exporter that does not run: off, or settings that cannot work. */
export function idleExportState(kind: "off" | "invalid", detail: string): ExportState {
  return {
    state: kind,
    detail,
    endpoint: null,
    protocol: null,
    rowsBehind: null,
    oldestUnexportedAgeS: null,
    exportedSpans: 0,
    traces: signal(),
    metrics: null,
  };
}

export function createOtlpExporter(deps: OtlpExporterDeps): OtlpExporter {
  const { settings, store } = deps;
  const random = deps.random ?? Math.random;
  const stop = new AbortController();
  const traces = signal();
  const metrics = deps.metrics && settings.metrics ? signal() : null;
  let position: RowPosition | null = null;
  let exported = 0;
  let batchSize = settings.batchSize;
  const sliceRows = Math.max(1, deps.sliceRows ?? SLICE_ROWS);
  let lag: { at: number; rowsBehind: number | null; oldestEndedAt: number | null } | null = null;
  const maxStepAside = deps.maxStepAsideMs ?? MAX_STEP_ASIDE_MS;
  /** Since when export has been waiting for a quiet moment; null: it was quiet last we looked. */
  let busySince: number | null = null;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (stop.signal.aborted) return resolve();
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        stop.signal.removeEventListener("abort", done);
        resolve();
      }
      stop.signal.addEventListener("abort", done, { once: true });
    });

  /** Waits while calls are in flight, up to `maxStepAside` of continuous load. */
  async function stepAside(): Promise<void> {
    if (deps.busy === undefined) return;
    while (!stop.signal.aborted) {
      if (!deps.busy()) {
        busySince = null;
        return;
      }
      const now = performance.now();
      busySince ??= now;
      if (now - busySince >= maxStepAside) return; // sustained load: go on, lag stays bounded
      await sleep(STEP_ASIDE_POLL_MS);
    }
  }

  function backoff(attempt: number, retryAfter: number | null): number {
    const base = Math.min(MAX_BACKOFF_MS, (deps.minBackoffMs ?? 1000) * 2 ** Math.min(attempt, 15));
    const jittered = base * (0.8 + 0.4 * random());
    return retryAfter === null ? jittered : Math.min(MAX_RETRY_AFTER_MS, Math.max(retryAfter, 500));
  }

  function failed(s: SignalState, message: string): void {
    if (s.lastError !== message) deps.log("warn", `export: ${message}`);
    s.state = "retrying";
    s.lastError = message;
    s.lastErrorAt = deps.now();
    s.failures++;
  }

  function succeeded(s: SignalState): void {
    if (s.state === "retrying") deps.log("info", "export: the collector accepts again");
    s.state = "ok";
    s.lastSuccessAt = deps.now();
  }

  /** The rows after `from` (up to `batchSize`), encoded slice by slice; null when stopped. */
  async function readBatch(
    from: RowPosition,
    encoder: { batch(): TraceBatch },
  ): Promise<{ batch: TraceBatch; rows: number; last: RowPosition | null } | null> {
    const batch = encoder.batch();
    let at = from;
    let rows = 0;
    let last: RowPosition | null = null;
    while (rows < batchSize) {
      await stepAside();
      if (stop.signal.aborted) return null;
      const limit = Math.min(sliceRows, batchSize - rows);
      const slice = store.exportRowsAfter(at, limit, SPAN_COLUMNS);
      if (slice.moved) {
        deps.log(
          "warn",
          `export: the row at the saved position moved (VACUUM or a new database); resuming after rowid ${slice.from.rowid}`,
        );
        if (rows === 0) position = slice.from;
      }
      for (const row of slice.rows) if (!isSelfTest(row)) batch.add(callSpan(row));
      rows += slice.rows.length;
      const tail = slice.rows.at(-1);
      if (tail !== undefined) last = at = { rowid: tail[0] as number, id: tail[1] as string };
      if (slice.rows.length < limit) break;
      await sleep(0);
      if (stop.signal.aborted) return null;
    }
    return { batch, rows, last };
  }

  async function traceLoop(): Promise<void> {
    const encoder = createTraceEncoder(settings.traces.protocol, deps.resource, deps.scope);
    let attempt = 0;
    while (!stop.signal.aborted) {
      if (position === null) {
        try {
          position = await readCursor(deps.cursorPath);
        } catch (err) {
          failed(traces, (err as Error).message);
          await sleep(backoff(attempt++, null));
          continue;
        }
      }
      let read;
      try {
        read = await readBatch(position, encoder);
      } catch (err) {
        // The database cannot be read now (degraded store): rows wait in it or in the spool.
        failed(traces, (err as Error).message);
        await sleep(backoff(attempt++, null));
        continue;
      }
      if (read === null) break;
      const spans = read.batch.count;
      if (spans > 0) {
        const body = { body: read.batch.finish(), contentType: encoder.contentType };
        const result = await deps.send(settings.traces, body, stop.signal);
        if (result.kind !== "ok") {
          if (stop.signal.aborted) break;
          failed(traces, result.message);
          if (result.tooLarge && batchSize > 1) batchSize = Math.max(1, Math.floor(batchSize / 2));
          await sleep(backoff(attempt++, result.retryAfterMs));
          continue;
        }
        succeeded(traces);
        exported += spans;
      }
      attempt = 0;
      if (read.last !== null) {
        position = read.last;
        lag = null;
        try {
          await writeCursor(deps.cursorPath, position, deps.now());
        } catch (err) {
          // Kept in memory; a restart before the next good write sends this batch again.
          deps.log("warn", `export: ${(err as Error).message}`);
        }
      }
      // Caught up: look again later. Behind: the next batch at once, after other work had a turn.
      await sleep(read.rows < batchSize ? settings.intervalMs : 0);
    }
  }

  async function metricsLoop(): Promise<void> {
    if (!metrics || !deps.metrics || !settings.metrics) return;
    const target = settings.metrics;
    await sleep(Math.min(5_000, settings.metricsIntervalMs));
    while (!stop.signal.aborted) {
      const data = deps.metrics();
      if (data !== null) {
        const result = await deps.send(target, encodeMetrics(data, target.protocol), stop.signal);
        if (result.kind === "ok") succeeded(metrics);
        else failed(metrics, result.message);
      }
      await sleep(settings.metricsIntervalMs);
    }
  }

  const running = Promise.all([traceLoop(), metricsLoop()]);

  function currentLag() {
    const now = deps.now();
    if (lag !== null && now - lag.at < 500) return lag;
    lag = { at: now, rowsBehind: null, oldestEndedAt: null };
    if (position === null) return lag;
    try {
      const l = store.exportLag(position);
      lag = { at: now, rowsBehind: l.rowsBehind, oldestEndedAt: l.oldestEndedAt };
    } catch { /* unknown while the database cannot be read */ }
    return lag;
  }

  return {
    state() {
      const l = currentLag();
      const retrying = traces.state === "retrying" || metrics?.state === "retrying";
      return {
        state: retrying ? "retrying" : "ok",
        detail: retrying
          ? (traces.lastError ?? metrics?.lastError ?? "retrying")
          : `sending to ${safeUrl(settings.traces.url)}`,
        endpoint: safeUrl(settings.traces.url),
        protocol: settings.traces.protocol,
        rowsBehind: l.rowsBehind,
        oldestUnexportedAgeS: l.oldestEndedAt === null
          ? null
          : Math.max(0, Math.round((deps.now() - l.oldestEndedAt) / 1000)),
        exportedSpans: exported,
        traces: { ...traces },
        metrics: metrics && { ...metrics },
      };
    },
    async close() {
      stop.abort();
      await running;
    },
  };
}
