/**
 * The report worker, run as the daemon runs it: `_report_worker_probe.ts` starts it in a
 * process of its own (`deno run`, the real entry module as the worker) and says what happened;
 * the answers are compared with `report()` on this side.
 */
import assert from "node:assert/strict";
import { makeRecord } from "./_test_record.ts";
import { tempPaths } from "./_test_helpers.ts";
import { openStore } from "./open_store.ts";
import type { ReportQuery } from "./report.ts";
import type { Store } from "./types.ts";

const T0 = Date.UTC(2025, 5, 1);
const PROBE = new URL("./_report_worker_probe.ts", import.meta.url).pathname;

interface Outcome {
  report?: unknown;
  error?: string;
  unavailable?: boolean;
}

interface Stats {
  worker: number;
  inThread: number;
  running: boolean;
}

interface ProbeResult {
  results: Outcome[];
  concurrent: Outcome[] | null;
  stats: Stats;
  afterIdle: { stopped: boolean; result: Outcome; stats: Stats } | null;
  closed: Stats;
  logs: string[];
}

async function probe(spec: Record<string, unknown>): Promise<ProbeResult> {
  // Bounded: a report that never comes back (a lost message) fails the test, not the run.
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", PROBE, JSON.stringify(spec)],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

async function withStore(fn: (store: Store, path: string) => Promise<void>): Promise<void> {
  const t = await tempPaths();
  const store = openStore({ path: t.path, spoolPath: t.spoolPath });
  try {
    for (let i = 0; i < 30; i++) {
      store.enqueue(makeRecord({
        id: `c${String(i).padStart(3, "0")}`,
        startedAt: T0 + i * 3_600_000,
        project: i % 3 === 0 ? "alpha" : "beta",
      }));
    }
    await store.flush();
    await fn(store, t.path);
  } finally {
    await store.close();
    await t.cleanup();
  }
}

const QUERIES: ReportQuery[] = [
  { groupBy: [] },
  { groupBy: ["project", "day"], timeZone: "Asia/Tokyo" },
  { groupBy: ["model"], since: T0 + 5 * 3_600_000, until: T0 + 20 * 3_600_000 },
  { groupBy: ["project"], filter: { project: "alpha" } },
];
/** A query report() refuses (an unknown filter key). */
const BAD = { groupBy: [], filter: { bogus: "x" } } as unknown as ReportQuery;

Deno.test("report worker: answers exactly what report() answers, from the worker, errors passed on", () =>
  withStore(async (store, path) => {
    const r = await probe({ path, entry: "main", queries: [...QUERIES, BAD], concurrent: true });
    const expected = QUERIES.map((q) => ({ report: store.report(q) }));
    assert.deepEqual(r.results.slice(0, QUERIES.length), expected);
    // Concurrent reports (an overview asks for four at once) each get their own answer.
    assert.deepEqual(r.concurrent!.slice(0, QUERIES.length), expected);
    // The refused query is the worker's error with report()'s message, not a fall back.
    let here = "";
    try {
      store.report(BAD);
    } catch (err) {
      here = (err as Error).message;
    }
    assert.ok(here.length > 0);
    assert.deepEqual(r.results.at(-1), { error: here, unavailable: false });
    assert.deepEqual(r.stats, { worker: 8, inThread: 0, running: true });
    assert.deepEqual(r.closed.running, false);
    assert.deepEqual(r.logs, []);
  }));

Deno.test("report worker: a database it cannot read is StoreUnavailableError (the API's 503)", async () => {
  const t = await tempPaths();
  try {
    const r = await probe({
      path: `${t.path}.missing/db.sqlite`,
      entry: "main",
      queries: [{ groupBy: [] }],
    });
    assert.equal(r.results[0].unavailable, true, JSON.stringify(r.results[0]));
    assert.match(r.results[0].error ?? "", /Cannot read the calls database/);
    assert.equal(r.stats.inThread, 0);
  } finally {
    await t.cleanup();
  }
});

Deno.test("report worker: stops when unused and starts again on the next report", () =>
  withStore(async (store, path) => {
    const r = await probe({
      path,
      entry: "main",
      idleMs: 30,
      queries: [{ groupBy: [] }],
      waitIdle: true,
    });
    assert.equal(r.afterIdle?.stopped, true, "the idle worker was not stopped");
    assert.deepEqual(r.afterIdle?.result, { report: store.report({ groupBy: [] }) });
    assert.deepEqual(r.afterIdle?.stats, { worker: 2, inThread: 0, running: true });
  }));

Deno.test("report worker: when no worker can run, reports are made on the calling thread (logged once)", () =>
  withStore(async (store, path) => {
    const r = await probe({ path, entry: "broken", queries: QUERIES.slice(0, 2) });
    assert.deepEqual(r.results, QUERIES.slice(0, 2).map((q) => ({ report: store.report(q) })));
    assert.deepEqual(r.stats, { worker: 0, inThread: 2, running: false });
    assert.equal(r.logs.length, 1, r.logs.join("\n"));
    assert.match(r.logs[0], /report worker.*daemon's thread/);
  }));

Deno.test("report worker: a worker still loading its entry module gets every report (the ready handshake)", () =>
  withStore(async (store, path) => {
    // The entry awaits 500 ms before it listens; reports asked for at once wait for it.
    const r = await probe({ path, entry: "slow", queries: QUERIES, concurrent: true });
    const expected = QUERIES.map((q) => ({ report: store.report(q) }));
    assert.deepEqual(r.results, expected);
    assert.deepEqual(r.concurrent, expected);
    assert.deepEqual(r.stats, { worker: 8, inThread: 0, running: true });
  }));
