import assert from "node:assert/strict";
import { makeRecord } from "./_test_record.ts";
import { tempPaths } from "./_test_helpers.ts";
import { openStore } from "./open_store.ts";
import { createReportWorker } from "./report_worker.ts";
import { StoreUnavailableError } from "./store_unavailable_error.ts";
import type { Store } from "./types.ts";

const T0 = Date.UTC(2025, 5, 1);
/** The real entry module: as a worker named REPORT_WORKER_NAME it serves reports. */
const MAIN = new URL("../../main.ts", import.meta.url).href;

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

Deno.test("report worker: answers exactly what the store's report() answers, off this thread", () =>
  withStore(async (store, path) => {
    const logs: string[] = [];
    const reports = createReportWorker({
      entryModule: MAIN,
      path,
      busyTimeoutMs: 2000,
      fallback: (q) => store.report(q),
      log: (m) => logs.push(m),
    });
    try {
      const queries = [
        { groupBy: [] },
        { groupBy: ["project", "day"], timeZone: "Asia/Tokyo" },
        { groupBy: ["model"], since: T0 + 5 * 3_600_000, until: T0 + 20 * 3_600_000 },
        { groupBy: ["project"], filter: { project: "alpha" } },
      ] as const;
      for (const q of queries) {
        assert.deepEqual(await reports.report(q), store.report(q), JSON.stringify(q));
      }
      // Concurrent reports (an overview asks for four at once) each get their own answer.
      const all = await Promise.all(queries.map((q) => reports.report(q)));
      assert.deepEqual(all, queries.map((q) => store.report(q)));
      assert.deepEqual(reports.stats(), { worker: 8, inThread: 0, running: true });
      assert.deepEqual(logs, []);
      // A query report() refuses is the worker's error, passed on with its message (not a
      // fall back to this thread).
      const bad = { groupBy: [], filter: { bogus: "x" } } as unknown as Parameters<
        typeof store.report
      >[0];
      const here = (() => {
        try {
          store.report(bad);
        } catch (err) {
          return (err as Error).message;
        }
        return "no error";
      })();
      await assert.rejects(
        reports.report(bad),
        (err: Error) => !(err instanceof StoreUnavailableError) && err.message === here,
      );
      assert.equal(reports.stats().inThread, 0);
    } finally {
      await reports.close();
    }
    assert.equal(reports.stats().running, false);
  }));

Deno.test("report worker: a database it cannot read is StoreUnavailableError (the API's 503)", async () => {
  const t = await tempPaths();
  const reports = createReportWorker({
    entryModule: MAIN,
    path: `${t.path}.missing/db.sqlite`,
    busyTimeoutMs: 200,
    fallback: () => {
      throw new Error("not used");
    },
    log: () => {},
  });
  try {
    await assert.rejects(reports.report({ groupBy: [] }), StoreUnavailableError);
    assert.equal(reports.stats().worker, 0);
    assert.equal(reports.stats().inThread, 0);
  } finally {
    await reports.close();
    await t.cleanup();
  }
});

Deno.test("report worker: stops when unused and starts again on the next report", () =>
  withStore(async (store, path) => {
    const reports = createReportWorker({
      entryModule: MAIN,
      path,
      busyTimeoutMs: 2000,
      fallback: (q) => store.report(q),
      log: () => {},
      idleMs: 30,
    });
    try {
      await reports.report({ groupBy: [] });
      assert.equal(reports.stats().running, true);
      const end = Date.now() + 10_000;
      while (reports.stats().running && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(reports.stats().running, false, "the idle worker was not stopped");
      assert.deepEqual(await reports.report({ groupBy: [] }), store.report({ groupBy: [] }));
      assert.deepEqual(reports.stats(), { worker: 2, inThread: 0, running: true });
    } finally {
      await reports.close();
    }
  }));

Deno.test("report worker: when no worker can run, reports are made on this thread (logged once)", () =>
  withStore(async (store, path) => {
    const logs: string[] = [];
    const broken = `data:application/javascript,${encodeURIComponent("throw new Error('boom')")}`;
    const reports = createReportWorker({
      entryModule: broken,
      path,
      busyTimeoutMs: 2000,
      fallback: (q) => store.report(q),
      log: (m) => logs.push(m),
    });
    try {
      assert.deepEqual(await reports.report({ groupBy: [] }), store.report({ groupBy: [] }));
      assert.deepEqual(
        await reports.report({ groupBy: ["project"] }),
        store.report({ groupBy: ["project"] }),
      );
      assert.equal(reports.stats().worker, 0);
      assert.equal(reports.stats().inThread, 2);
      assert.equal(logs.length, 1, logs.join("\n"));
      assert.match(logs[0], /report worker.*daemon's thread/);
    } finally {
      await reports.close();
    }
  }));
