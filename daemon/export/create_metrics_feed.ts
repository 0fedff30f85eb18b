/**
 * Keeps the metrics state (metrics_state.ts) up with the database: the all-time totals once, then
 * the rows written since, a bounded batch at a time, every second (two small queries when idle).
 * Its position is a rowid and the id of that row: a database replaced while the daemon runs, or
 * renumbered by `VACUUM`, is noticed and its totals read again.
 * Reads are on the daemon's own schedule, never on a call's path.
 */
import type { Store } from "../store/mod.ts";
import type { MetricsSnapshot, MetricsState } from "./metrics_state.ts";

export interface MetricsFeedDeps {
  store: Pick<Store, "metricTotals" | "metricRowsAfter" | "metricIdAt">;
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
      const at = deps.state.position();
      if (loaded && at.id !== null && deps.store.metricIdAt(at.rowid) !== at.id) {
        // The database was replaced (rowids start again from 1) or renumbered (VACUUM): the
        // totals are read again from it, which a scraper sees as a counter reset.
        deps.log("metrics: the database changed under the feed; totals read again from it");
        loaded = false;
      }
      if (!loaded) {
        deps.state.load(deps.store.metricTotals());
        loaded = true;
      }
      const rows = deps.store.metricRowsAfter(deps.state.position().rowid, batchRows);
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
