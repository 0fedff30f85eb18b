/**
 * The report worker's side: runs `report()` (report.ts) on a read-only connection of its own,
 * so a month of roll-ups read for a dashboard (~100 ms on a million calls) never holds up the
 * daemon's thread, where every metered call's bytes pass. Protocol (`report_worker.ts` is the
 * other side): out `{ ready: true }` once it listens (a message posted to a worker still
 * evaluating its entry module, which awaits imports, would be lost: the other side waits for
 * it); in `{ open: { path, busyTimeoutMs } }` first, then `{ id, query }`, and `{ close: true }`
 * at the end; out `{ id, report }`, `{ id, error, unavailable }` or `{ closed: true }`.
 *
 * The connection checks that the database files are writable before each read, as the
 * daemon's own reader does: a read-only `-shm` mapping would end the whole process (SIGBUS).
 */
import { createReader, type Reader } from "./_reader.ts";
import { report, type ReportQuery } from "./report.ts";
import { StoreUnavailableError } from "./store_unavailable_error.ts";
import { workerScope } from "../../core/mod.ts";

export type ReportRequest =
  | { open: { path: string; busyTimeoutMs: number } }
  | { id: number; query: ReportQuery }
  | { close: true };

export type ReportReply =
  | { ready: true }
  | { id: number; report: unknown }
  | { id: number; error: string; unavailable: boolean }
  | { closed: true };

/** Serves reports on `scope` (the worker's global scope) until it is asked to close. */
export function serveReports(global: unknown): void {
  const scope = workerScope<ReportRequest>(global, "reports");
  let reader: Reader | null = null;
  scope.onmessage = (e: MessageEvent<ReportRequest>) => {
    const m = e.data;
    if ("open" in m) {
      // A connection that cannot be closed safely (files made read-only) is left open: the
      // worker ends with it.
      reader = createReader(m.open.path, m.open.busyTimeoutMs, () => {});
      return;
    }
    if ("close" in m) {
      reader?.close();
      scope.postMessage({ closed: true } satisfies ReportReply);
      return;
    }
    let reply: ReportReply;
    try {
      if (reader === null) throw new Error("Cannot report: the worker was not told the database");
      const r = reader;
      reply = { id: m.id, report: r.read((db) => report(db, m.query)) };
    } catch (err) {
      reply = {
        id: m.id,
        error: err instanceof Error ? err.message : String(err),
        unavailable: err instanceof StoreUnavailableError,
      };
    }
    scope.postMessage(reply);
  };
  scope.postMessage({ ready: true } satisfies ReportReply);
}
