/**
 * The daemon's side of the report worker (serve_reports.ts): `report()` answered on a thread
 * of its own, so a dashboard reload or a `/v1/report` never stalls the calls the daemon carries.
 *
 * The worker starts on the first report and stops after `idleMs` without one (a dashboard left
 * open keeps it: it asks every few seconds). When a worker cannot be started here, or dies, the
 * reports run on the daemon's thread as before (`fallback`), and that is logged once.
 */
import { createWorkerOutbox, REPORT_WORKER_NAME, type WorkerOutbox } from "../../core/mod.ts";
import type { Report, ReportQuery } from "./report.ts";
import type { ReportReply, ReportRequest } from "./serve_reports.ts";
import { StoreUnavailableError } from "./store_unavailable_error.ts";

export interface ReportWorkerOptions {
  /** The program's entry module (main.ts, or the bundle built from it). */
  entryModule: string | URL;
  /** The database the worker reads. */
  path: string;
  busyTimeoutMs: number;
  /** The same report on the calling thread: used when no worker can run. */
  fallback(query: ReportQuery): Report;
  log(message: string): void;
  /** Stops an unused worker after this long; default 60 s. */
  idleMs?: number;
}

export interface ReportWorker {
  report(query: ReportQuery): Promise<Report>;
  /** Reports answered by the worker and on the calling thread; whether a worker runs now. */
  stats(): { worker: number; inThread: number; running: boolean };
  /** Stops the worker (waits for it to close its connection, at most 1 s). */
  close(): Promise<void>;
}

interface Waiting {
  resolve(r: Report): void;
  reject(e: Error): void;
}

/** Longest a new worker may take to say it listens before reports fall back to this thread. */
const START_TIMEOUT_MS = 15_000;

interface Running {
  w: Worker;
  /** Requests held until the worker listens (its `{ ready }`). */
  outbox: WorkerOutbox;
}

export function createReportWorker(opts: ReportWorkerOptions): ReportWorker {
  const idleMs = opts.idleMs ?? 60_000;
  let worker: Running | null = null;
  let failed = false;
  let closed = false;
  let idle: ReturnType<typeof setTimeout> | undefined;
  let nextId = 1;
  const waiting = new Map<number, Waiting>();
  let stopping: Promise<void> | null = null;
  const served = { worker: 0, inThread: 0 };

  const fail = (why: string) => {
    if (!failed) opts.log(`reports: ${why}; reports run on the daemon's thread`);
    failed = true;
    const r = worker;
    worker = null;
    r?.w.terminate();
    // Reports the worker still owed are answered here.
    for (const [, p] of waiting) p.reject(new WorkerGone());
    waiting.clear();
  };

  const start = (): Running => {
    const w = new Worker(opts.entryModule, { type: "module", name: REPORT_WORKER_NAME });
    const outbox = createWorkerOutbox(w);
    outbox.send(
      { open: { path: opts.path, busyTimeoutMs: opts.busyTimeoutMs } } satisfies ReportRequest,
    );
    const timer = setTimeout(() => {
      if (worker?.w === w) fail(`the report worker did not start in ${START_TIMEOUT_MS} ms`);
    }, START_TIMEOUT_MS);
    w.onmessage = (e: MessageEvent<ReportReply>) => {
      const m = e.data;
      if ("ready" in m) {
        clearTimeout(timer);
        outbox.open();
        return;
      }
      if ("closed" in m) return;
      const p = waiting.get(m.id);
      if (!p) return;
      waiting.delete(m.id);
      if ("report" in m) p.resolve(m.report as Report);
      else p.reject(m.unavailable ? new StoreUnavailableError(m.error) : new Error(m.error));
    };
    w.onerror = (e: ErrorEvent) => {
      e.preventDefault(); // a dead worker must not take the daemon with it
      clearTimeout(timer);
      fail(`the report worker failed: ${e.message}`);
    };
    return { w, outbox };
  };

  /** Asks the worker to close its connection, then ends it. */
  const stop = (): Promise<void> => {
    const r = worker;
    worker = null;
    if (r === null) return Promise.resolve();
    return stopping = new Promise<void>((resolve) => {
      let finished = false;
      const done = () => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        r.w.terminate();
        stopping = null;
        resolve();
      };
      const timer = setTimeout(done, 1000);
      r.w.onmessage = (e: MessageEvent<ReportReply>) => {
        if ("closed" in e.data) done();
      };
      // A worker that never listens is ended by the timer.
      r.outbox.send({ close: true } satisfies ReportRequest);
    });
  };

  const armIdle = () => {
    if (idle !== undefined) clearTimeout(idle);
    idle = setTimeout(() => {
      idle = undefined;
      if (waiting.size === 0) void stop();
      else armIdle();
    }, idleMs);
  };

  const inThread = (query: ReportQuery): Report => {
    served.inThread++;
    return opts.fallback(query);
  };

  return {
    async report(query) {
      if (closed || failed) return inThread(query);
      if (stopping) await stopping;
      if (worker === null) {
        try {
          worker = start();
        } catch (err) {
          fail(`cannot start the report worker: ${(err as Error).message}`);
          return inThread(query);
        }
      }
      armIdle();
      const r = worker;
      const id = nextId++;
      try {
        // A worker that fails or never listens rejects every waiting report (`fail`).
        const answer = await new Promise<Report>((resolve, reject) => {
          waiting.set(id, { resolve, reject });
          r.outbox.send({ id, query } satisfies ReportRequest);
        });
        served.worker++;
        return answer;
      } catch (err) {
        if (err instanceof WorkerGone) return inThread(query);
        throw err;
      }
    },
    stats: () => ({ ...served, running: worker !== null }),
    async close() {
      closed = true;
      if (idle !== undefined) clearTimeout(idle);
      for (const [, p] of waiting) p.reject(new WorkerGone());
      waiting.clear();
      await stop();
    },
  };
}

/** The worker went away before answering: the report is made on the calling thread. */
class WorkerGone extends Error {
  constructor() {
    super("the report worker is gone");
  }
}
