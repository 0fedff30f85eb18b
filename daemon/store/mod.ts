/**
 * The calls store: a non-blocking SQLite writer (WAL, batched transactions, spool
 * fallback) and the read queries the API and CLI use. Schema: docs/SCHEMA.md.
 */
export { openStore } from "./open_store.ts";
export { callRowToRecord } from "./call_row_to_record.ts";
export { type CallCursor, decodeCursor, encodeCursor } from "./cursor.ts";
export { DEFAULT_LIMIT, MAX_LIMIT } from "./list_calls.ts";
export { StoreUnavailableError } from "./store_unavailable_error.ts";
export { createReportWorker, type ReportWorker } from "./report_worker.ts";
export type {
  CallFilter,
  CallRow,
  CallStatusFilter,
  ListCallsFilter,
  ListCallsResult,
  OpenStoreOptions,
  SpoolFile,
  Store,
  StoreCause,
  StoreDeps,
  StoreState,
  StoreTimers,
  SummarizeOptions,
  SummaryGroupBy,
  SummaryRow,
} from "./types.ts";
// Read-only queries on a caller's own connection (the CLI reads without opening the writer).
export { listCalls } from "./list_calls.ts";
export { summarize } from "./summarize.ts";
export { insertCalls } from "./insert_calls.ts";
export {
  BLOCK_MS,
  type BlockCall,
  type BlocksQuery,
  cutBlocks,
  loadBlockCalls,
  type UsageBlock,
  usageBlocks,
} from "./usage_blocks.ts";
export {
  MODEL_CALL_ENDPOINTS,
  periodKey,
  type Report,
  report,
  REPORT_DIMS,
  REPORT_TIMES,
  type ReportDim,
  type ReportKey,
  type ReportQuery,
  type ReportRow,
  type ReportTime,
  type ReportTotals,
} from "./report.ts";
export {
  type RateLimitRow,
  rateLimitRows,
  type SpendBucketRow,
  spendBuckets,
  type SpendColumn,
  type SpendQuery,
} from "./spend_buckets.ts";
export {
  type ColumnName,
  createExportReads,
  type ExportLag,
  type ExportReads,
  type ExportRow,
  type ExportRowsAfter,
  type ExportValue,
  type RowPosition,
} from "./export_reads.ts";
export {
  type MetricRow,
  metricRowsAfter,
  type MetricTotals,
  metricTotals,
  type MetricTotalsRow,
} from "./metric_reads.ts";
