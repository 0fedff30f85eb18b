import type { CallRecord } from "../../core/call_record.ts";
import type { SpoolFile } from "./_spool_file.ts";
import type { StoreCause } from "./_store_cause.ts";
import type { RateLimitRow, SpendBucketRow, SpendQuery } from "./spend_buckets.ts";
import type { Report, ReportQuery } from "./report.ts";
import type { ColumnName, ExportLag, ExportRowsAfter, RowPosition } from "./export_reads.ts";
import type { MetricRow, MetricTotals } from "./metric_reads.ts";

export type { SpoolFile, StoreCause };

/** What `/health` reports about the store (docs/SCHEMA.md, "When the database refuses writes"). */
export interface StoreState {
  /** `degraded`: the database refuses writes; rows wait in the spool file or in memory. */
  state: "ok" | "degraded";
  /** What kind of fault, while degraded: each has its own remedy (docs/DOCTOR.md). */
  cause?: StoreCause;
  /** Why the store is degraded, e.g. `database is locked (SQLITE_BUSY)`. */
  reason?: string;
  /** Rows in memory not yet in the database (the next batch, or held while degraded). */
  queued: number;
  /** Rows only the spool file holds, waiting to be replayed into the database. */
  spooled: number;
  /** Rows lost since open: memory queue and spool both full or refusing, or invalid records. */
  dropped: number;
  /** Rows of `queued` the spool file does not hold: a process kill would lose them. */
  memoryOnly: number;
  /** Bound on `queued`; past it a row the spool refuses is dropped. */
  memoryCap: number;
  /** Bytes of rows in the spool file. */
  spoolBytes: number;
  /** The spool file's size: its reserve plus rows written past it. */
  spoolFileBytes: number;
  /** The reserve the spool file keeps allocated (smaller in `spoolFileBytes`: disk was full). */
  spoolReserveBytes: number;
  /** The last write/spool error seen, kept after recovery for diagnosis. */
  lastError?: string;
}

/**
 * One stored call as the read side returns it (and the HTTP API serves it): the
 * `calls` columns of docs/SCHEMA.md, except that `stream` and `self_test` are
 * booleans and `rate_limit_json` is decoded into `rate_limit`.
 */
export interface CallRow {
  id: string;
  started_at: number;
  ended_at: number;
  duration_ms: number;
  ttfb_ms: number | null;
  provider: string;
  host: string;
  method: string;
  path: string;
  endpoint: string;
  request_model: string | null;
  response_model: string | null;
  stream: boolean;
  status: number | null;
  error_type: string | null;
  error_message: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  cache_read_tokens: number | null;
  cache_write_5m_tokens: number | null;
  cache_write_1h_tokens: number | null;
  reasoning_tokens: number | null;
  web_search_requests: number | null;
  web_fetch_requests: number | null;
  service_tier: string | null;
  response_id: string | null;
  usage_completeness: "complete" | "incomplete" | "none";
  cost_usd: number | null;
  cost_input_usd: number | null;
  cost_cache_read_usd: number | null;
  cost_cache_write_usd: number | null;
  cost_output_usd: number | null;
  unpriced_reason: string | null;
  price_version: string | null;
  provider_cost_usd: number | null;
  project: string | null;
  project_source: string | null;
  client: string | null;
  api_key_fp: string | null;
  provider_request_id: string | null;
  rate_limit: Record<string, string> | null;
  bytes_up: number;
  bytes_down: number;
  self_test: boolean;
  /** What policy decided; null when no policy was in force. */
  policy_action: "allow" | "warn" | "block" | null;
  /** `rule:<id>`, `budget:<id>` or `quota:<id>` that decided; null when none matched. */
  policy_id: string | null;
  /** The warning or block message (cut to 500 characters). */
  policy_message: string | null;
}

export type CallStatusFilter = "ok" | "error" | "blocked";

/** Filters shared by `listCalls` and `summarize`. Times are epoch ms. */
export interface CallFilter {
  /** Inclusive lower bound on `started_at`. */
  since?: number;
  /** Exclusive upper bound on `started_at`. */
  until?: number;
  project?: string;
  /** Matches `request_model` or `response_model` exactly. */
  model?: string;
  provider?: string;
  client?: string;
  /**
   * `ok`: a 2xx/3xx answer; `error`: no answer or 4xx/5xx (blocked calls excluded);
   * `blocked`: refused by policy.
   */
  status?: CallStatusFilter;
  /** Self-test rows are left out unless this is true. */
  includeSelfTest?: boolean;
}

export interface ListCallsFilter extends CallFilter {
  /** Page size; default 100, clamped to 1..1000. */
  limit?: number;
  /** `nextCursor` from the previous page. */
  cursor?: string;
}

export interface ListCallsResult {
  /** Newest first: `started_at DESC, id DESC`. */
  calls: CallRow[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export type SummaryGroupBy = "day" | "project" | "model" | "provider" | "client";

export interface SummarizeOptions extends CallFilter {
  groupBy: SummaryGroupBy;
  /**
   * For `day`: minutes added to UTC before cutting days (e.g. 120 for UTC+2).
   * Default 0, i.e. UTC days.
   */
  utcOffsetMinutes?: number;
}

/** One group of a summary. Null counts are summed as 0. */
export interface SummaryRow {
  /** `YYYY-MM-DD` for `day`; the project/model/provider/client; null when unknown. */
  key: string | null;
  calls: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  /** 5-minute plus 1-hour cache writes. */
  cache_write_tokens: number;
  reasoning_tokens: number;
  /** Sum of priced calls only; see `unpriced_calls`. */
  cost_usd: number;
  /** Calls that carry (or should carry) usage but have no cost: the total is a lower bound. */
  unpriced_calls: number;
}

/** The store: a non-blocking writer plus read queries on a separate connection. */
export interface Store {
  /** Queues one row. Never throws and never blocks on I/O beyond an occasional spool append. */
  enqueue(record: CallRecord): void;
  /** Writes everything queued now; when degraded, first tries to recover once. */
  flush(): Promise<void>;
  /** Flushes, stops timers, closes both connections. Later enqueues go to the spool. */
  close(): Promise<void>;
  state(): StoreState;
  /** Throws `StoreUnavailableError` when the database cannot be read. */
  listCalls(filter?: ListCallsFilter): ListCallsResult;
  /** Throws `StoreUnavailableError` when the database cannot be read. */
  summarize(options: SummarizeOptions): SummaryRow[];
  /** Spend per minute for a budget scope. Throws `StoreUnavailableError`. */
  spendBuckets(query: SpendQuery): SpendBucketRow[];
  /** Rate-limit snapshots since `since`. Throws `StoreUnavailableError`. */
  rateLimitRows(since: number): RateLimitRow[];
  /** Report totals (see report.ts). Throws `StoreUnavailableError`. */
  report(query: ReportQuery): Report;
  /**
   * Rows written after a position, for exporters (export_reads.ts): `[rowid, id, ...columns]`.
   * Pass the same `columns` array each time (its statement is prepared once for it). Throws
   * `StoreUnavailableError`.
   */
  exportRowsAfter(
    after: RowPosition,
    limit: number,
    columns: readonly ColumnName[],
  ): ExportRowsAfter;
  /** How far an exporter's position is behind. Throws `StoreUnavailableError`. */
  exportLag(after: RowPosition): ExportLag;
  /** All-time totals for the metrics (metric_reads.ts). Throws `StoreUnavailableError`. */
  metricTotals(): MetricTotals;
  /** What the metrics need of the rows after `rowid`. Throws `StoreUnavailableError`. */
  metricRowsAfter(rowid: number, limit: number): MetricRow[];
  /** The id of the call at `rowid`, or null (metric_reads.ts). Throws `StoreUnavailableError`. */
  metricIdAt(rowid: number): string | null;
}

/** Timers, injectable so tests can fire flush and retry timers by hand. */
export interface StoreTimers {
  /** Runs `fn` once after `ms`; returns a function that cancels it. */
  schedule(fn: () => void, ms: number): () => void;
}

export interface StoreDeps {
  timers: StoreTimers;
  now(): number;
  /** Called after each committed write transaction with its row count. */
  onTransaction(rows: number): void;
  /**
   * Called with the rows of each committed write (batches and spool replays), for live
   * readers such as the dashboard's event stream. Runs on the writer's timer, never on a
   * call's path; it must not throw (a throw is logged and ignored).
   */
  onWritten?(rows: readonly CallRow[]): void;
  /**
   * Whether anyone reads `onWritten` now (e.g. a dashboard is open); when false the rows are
   * not converted for it. Default: always.
   */
  wantsWritten?(): boolean;
  /** Store events worth a log line (degraded, recovered, dropped rows). */
  log(message: string): void;
  /** Opens the spool file (tests model a full disk with it). Default: the real file. */
  openSpoolFile?(path: string): SpoolFile;
}

export interface OpenStoreOptions {
  /** The SQLite database file (created if missing). */
  path: string;
  /** JSON-lines spool: every row until it is in the database, and while it refuses writes. */
  spoolPath: string;
  /**
   * Rows held in memory at most; beyond it rows live only in the spool, and a row the spool
   * refuses too is dropped. Default 50,000 (about 40 MB).
   */
  queueCap?: number;
  /** Rows per write transaction; a full batch is flushed at once. Default 200. */
  batchRows?: number;
  /** Delay before a partial batch is flushed. Default 50 ms. */
  flushIntervalMs?: number;
  /** SQLite busy timeout. Default 200 ms. Blocks the event loop, so keep it small. */
  busyTimeoutMs?: number;
  /** Spool size cap; rows beyond it stay in memory. Default 64 MiB. */
  spoolCapBytes?: number;
  /** Space the spool file keeps allocated for a full disk. Default 16 MiB; 0: none. */
  spoolReserveBytes?: number;
  /**
   * Append each row to the spool as it is enqueued (default true), so a killed process loses
   * none. false: only rows the database refused reach the spool, and a kill loses the batch
   * not yet written (up to `flushIntervalMs`); the A/B bench (`deno task bench store`) uses it.
   */
  journal?: boolean;
  /** First recovery retry delay when degraded. Default 1000 ms, doubling. */
  retryMinMs?: number;
  /** Retry delay cap. Default 10,000 ms. */
  retryMaxMs?: number;
  deps?: Partial<StoreDeps>;
}
