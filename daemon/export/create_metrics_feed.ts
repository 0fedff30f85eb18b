/**
 * Keeps the metrics state (metrics_state.ts) up with the database: the all-time totals once, then
 * the rows written since, a bounded batch at a time, every second (one small query when idle).
 * Reads are on the daemon's own schedule, never on a call's path.
 */
import type { Store } from "../store/mod.ts";
import type { MetricsSnapshot, MetricsState } from "./metrics_state.ts";

export interface MetricsFeedDeps {
  store: Pick<Store, "metricTotals" | "metricRowsAfter">;
  state: MetricsState;
  /** How often new rows are read. Default 1000 ms. */
  intervalMs?: number;
  /** Rows read per step. Default 2000. */
  batchRows?: number;
  log(message: string): void;
}

export interface MetricsFeed {
  /** Starts following the database (idempotent). */
  start(): void;
  /** Reads one batch of new rows now (a scrape sees the latest calls), then the snapshot. */
  snapshot(): MetricsSnapshot;
  close(): void;
}

export function createMetricsFeed(deps: MetricsFeedDeps): MetricsFeed {
  const intervalMs = deps.intervalMs ?? 1000;
  const batchRows = deps.batchRows ?? 2000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let started = false;
  let closed = false;
  let loaded = false;
  let lastError: string | null = null;

  /** One bounded read; true when more rows are waiting. */
  function step(): boolean {
    try {
      if (!loaded) {
        deps.state.load(deps.store.metricTotals());
        loaded = true;
      }
      const rows = deps.store.metricRowsAfter(deps.state.lastRowid(), batchRows);
      deps.state.add(rows);
      lastError = null;
      return rows.length === batchRows;
    } catch (err) {
      const message = `metrics: ${(err as Error).message}`;
      if (message !== lastError) deps.log(message);
      lastError = message;
      return false;
    }
  }

  function schedule(ms: number): void {
    if (closed) return;
    timer = setTimeout(() => {
      timer = undefined;
      schedule(step() ? 0 : intervalMs);
    }, ms);
  }

  return {
    start() {
      if (started || closed) return;
      started = true;
      schedule(0);
    },
    snapshot() {
      this.start();
      step();
      return deps.state.snapshot();
    },
    close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
