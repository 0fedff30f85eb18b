/**
 * Runs the report worker as the daemon does, for `report_worker_test.ts`: in a process of its
 * own started with `deno run` (no type check at run time, like the daemon), because a worker
 * started inside `deno test` has its whole graph type-checked when it loads, which can stall
 * the test run. Usage: `deno run -A _report_worker_probe.ts '<json spec>'`; prints one JSON
 * object with what happened.
 *
 * Spec: `{ path, entry: "main" | "slow" | "broken", idleMs?, queries: ReportQuery[], concurrent?: bool,
 * waitIdle?: bool }`. Each query's outcome is `{ report }` or `{ error, unavailable }`.
 */
import { DatabaseSync } from "node:sqlite";
import { report, type ReportQuery } from "./report.ts";
import { createReportWorker } from "./report_worker.ts";
import { StoreUnavailableError } from "./store_unavailable_error.ts";

interface Spec {
  path: string;
  entry: "main" | "slow" | "broken";
  idleMs?: number;
  queries: ReportQuery[];
  concurrent?: boolean;
  /** After the queries: wait until the idle worker stopped, then run the first query again. */
  waitIdle?: boolean;
}

const spec = JSON.parse(Deno.args[0]) as Spec;
const entry = spec.entry === "main"
  ? new URL("../../main.ts", import.meta.url).href
  : spec.entry === "slow"
  ? new URL("./_slow_report_worker_entry.ts", import.meta.url).href
  : `data:application/javascript,${encodeURIComponent("throw new Error('boom')")}`;
const logs: string[] = [];
const reports = createReportWorker({
  entryModule: entry,
  path: spec.path,
  busyTimeoutMs: 2000,
  fallback: (q) => {
    const db = new DatabaseSync(spec.path, { readOnly: true });
    try {
      return report(db, q);
    } finally {
      db.close();
    }
  },
  log: (m) => logs.push(m),
  idleMs: spec.idleMs,
});

const outcome = async (q: ReportQuery) => {
  try {
    return { report: await reports.report(q) };
  } catch (err) {
    return {
      error: (err as Error).message,
      unavailable: err instanceof StoreUnavailableError,
    };
  }
};

const results = [];
for (const q of spec.queries) results.push(await outcome(q));
const concurrent = spec.concurrent ? await Promise.all(spec.queries.map(outcome)) : null;
const statsAfter = reports.stats();
let afterIdle = null;
if (spec.waitIdle) {
  const end = Date.now() + 10_000;
  while (reports.stats().running && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const stopped = !reports.stats().running;
  afterIdle = { stopped, result: await outcome(spec.queries[0]), stats: reports.stats() };
}
await reports.close();
console.log(JSON.stringify({
  results,
  concurrent,
  stats: statsAfter,
  afterIdle,
  closed: reports.stats(),
  logs,
}));
