import type { DatabaseSync } from "node:sqlite";
import type { CallRecord } from "../../core/call_record.ts";
import { callToDbRow, type DbRow, dbRowToCallRow, isDbRow } from "./_db_row.ts";
import { describeError } from "./_describe_error.ts";
import { createReader } from "./_reader.ts";
import { createSpool } from "./_spool.ts";
import { type StoreCause, storeCause } from "./_store_cause.ts";
import { assertDbFilesWritable } from "./_db_files.ts";
import { openWriter, type Writer } from "./_writer.ts";
import { listCalls } from "./list_calls.ts";
import { summarize } from "./summarize.ts";
import { rateLimitRows, spendBuckets } from "./spend_buckets.ts";
import { report } from "./report.ts";
import { type ColumnName, createExportReads, type ExportReads } from "./export_reads.ts";
import { metricIdAt, metricRowsAfter, metricTotals } from "./metric_reads.ts";
import {
  defaultStoreDeps,
  PARK_ROWS_PER_FLUSH,
  prepareFile,
  storeConfig,
} from "./_store_config.ts";
import type { OpenStoreOptions, Store, StoreDeps, StoreState } from "./types.ts";

/** A completed row not yet in the database, and whether the spool file holds it too. */
interface Pending {
  row: DbRow;
  journaled: boolean;
}

/**
 * Opens the calls store. Never throws for storage problems. Every row is appended to the
 * spool file as it is enqueued (a killed process loses none), then written to SQLite in
 * batches; the file is emptied once all its rows are in the database. While the database
 * refuses writes (locked, full, read-only, corrupt) rows stay in the file, or in memory
 * up to `queueCap` when the file refuses them too, and are written when it recovers.
 */
export function openStore(options: OpenStoreOptions): Store {
  const cfg = storeConfig(options);
  const deps: StoreDeps = { ...defaultStoreDeps(), ...options.deps };
  const { path } = options;

  prepareFile(path);
  prepareFile(options.spoolPath);
  const spool = createSpool(options.spoolPath, {
    capBytes: cfg.spoolCapBytes,
    reserveBytes: Math.min(cfg.spoolReserveBytes, cfg.spoolCapBytes),
    openFile: deps.openSpoolFile,
  });

  /** Connections that could not be closed safely yet (see `Writer.close`). */
  let parked: (() => boolean)[] = [];
  const park = (close: () => boolean) => parked.push(close);
  let writer: Writer | null = null;
  const reader = createReader(path, cfg.busyTimeoutMs, park);
  /** The exporter's prepared statements, for the reader's connection of the moment. */
  let exportReads: ExportReads | null = null;
  const exportReadsOn = (db: DatabaseSync, columns: readonly ColumnName[]) => {
    if (exportReads?.db !== db || exportReads.columns !== columns) {
      exportReads = createExportReads(db, columns);
    }
    return exportReads;
  };
  let degraded: { reason: string; cause: StoreCause } | undefined;
  let lastError: string | undefined;
  let lastLogged: string | undefined;
  let dropped = 0;
  let queue: Pending[] = [];
  /** Rows of `queue` the spool file does not hold: a process kill would lose them. */
  let memoryOnly = 0;
  /** Rows only the spool file holds (not in `queue`): they reach the database by replay. */
  let fileOnly = spool.rows();
  /** After a failed append, enqueue stops trying the file until the next flush. */
  let journalPaused = false;
  let flushTimer: { cancel: () => void; immediate: boolean } | undefined;
  let retryTimer: (() => void) | undefined;
  let retryDelay = cfg.retryMinMs;
  let closed = false;

  function noteError(message: string): void {
    lastError = message;
    if (message !== lastLogged) deps.log(`store: ${message}`);
    lastLogged = message;
  }

  /** Hands committed rows to live readers (`deps.onWritten`); never throws. */
  function announce(rows: readonly DbRow[]): void {
    if (deps.onWritten === undefined || rows.length === 0) return;
    try {
      if (deps.wantsWritten?.() === false) return;
      deps.onWritten(rows.map((row) => dbRowToCallRow(row)));
    } catch (error) {
      noteError(`onWritten failed: ${describeError(error)}`);
    }
  }

  function degrade(error: unknown): void {
    const reason = describeError(error);
    if (degraded === undefined) deps.log(`store: degraded, spooling rows: ${reason}`);
    degraded = { reason, cause: storeCause(error) };
    lastError = reason;
    // Reopen from scratch on recovery: a handle that saw IO or corruption errors is suspect.
    if (writer && !writer.close()) park(writer.close);
    writer = null;
    scheduleRetry();
  }

  /** Appends rows to the spool file; returns how many it took (from the start). */
  function journal(rows: readonly DbRow[]): number {
    const r = spool.append(rows);
    if (r.error) {
      journalPaused = true;
      noteError(r.error);
    }
    return r.written;
  }

  /**
   * While degraded: rows the file holds leave memory; the others are offered to it again, a
   * batch at a time, stopping at the first refusal (a full disk costs one try per flush).
   * Returns whether memory-only rows remain that the file might still take.
   */
  function parkInSpool(all: boolean): boolean {
    const held = queue.filter((p) => !p.journaled);
    fileOnly += queue.length - held.length;
    const limit = all ? held.length : Math.min(held.length, PARK_ROWS_PER_FLUSH);
    let taken = 0;
    let refused = false;
    while (taken < limit && !refused) {
      const chunk = held.slice(taken, Math.min(taken + cfg.batchRows, limit)).map((p) => p.row);
      const n = journal(chunk);
      taken += n;
      refused = n < chunk.length;
    }
    if (!refused) journalPaused = false;
    fileOnly += taken;
    queue = held.slice(taken);
    memoryOnly = queue.length;
    return !refused && queue.length > 0;
  }

  function clearSpool(): void {
    if (spool.rows() === 0) return;
    try {
      spool.clear();
    } catch (error) {
      // Its rows are in the database: a later replay re-inserts them harmlessly.
      noteError(`Cannot empty spool ${spool.path}: ${describeError(error)}`);
    }
  }

  /** Opens the writer if needed and replays rows only the spool holds. True when healthy. */
  function recover(): boolean {
    try {
      assertDbFilesWritable(path);
    } catch (error) {
      degrade(error);
      return false;
    }
    // Writable again: connections parked while it was not can close now (a ROLLBACK of a
    // transaction cut short by the check before COMMIT included).
    parked = parked.filter((close) => {
      try {
        return !close();
      } catch {
        return false;
      }
    });
    try {
      writer ??= openWriter(path, cfg.busyTimeoutMs, park);
    } catch (error) {
      degrade(error);
      return false;
    }
    if (fileOnly > 0) {
      let replayed = 0;
      let invalid = 0;
      try {
        // Batch by batch: a database that still refuses costs one parsed batch, not the file.
        for (const batch of spool.readBatches(cfg.batchRows)) {
          invalid += batch.invalid;
          try {
            writer.write(batch.rows, cfg.batchRows, deps.onTransaction);
          } catch (error) {
            degrade(error);
            return false;
          }
          announce(batch.rows);
          replayed += batch.rows.length;
        }
      } catch (error) {
        degrade(new Error(`Cannot read spool ${spool.path}`, { cause: error }));
        return false;
      }
      // The file held every journaled row still queued: they are in the database now.
      queue = queue.filter((p) => !p.journaled);
      memoryOnly = queue.length;
      fileOnly = 0;
      clearSpool();
      if (invalid > 0) {
        dropped += invalid;
        noteError(`spool ${spool.path} had ${invalid} unreadable line(s); dropped`);
      }
      deps.log(`store: replayed ${replayed} spooled row(s)`);
    }
    if (degraded !== undefined) {
      deps.log("store: recovered, writing to the database");
      spool.ensureReserve();
    }
    degraded = undefined;
    retryDelay = cfg.retryMinMs;
    retryTimer?.();
    retryTimer = undefined;
    return true;
  }

  function scheduleRetry(): void {
    if (closed || retryTimer !== undefined) return;
    // A full disk or read-only files cost little to probe (a failed check or one batch),
    // and every second counts once space is back: meanwhile rows grow the spool and take
    // the space the database needs to recover. Other faults back off.
    const fast = degraded?.cause === "disk_full" || degraded?.cause === "read_only";
    const delay = fast ? cfg.retryMinMs : retryDelay;
    if (!fast) retryDelay = Math.min(retryDelay * 2, cfg.retryMaxMs);
    retryTimer = deps.timers.schedule(() => {
      retryTimer = undefined;
      if (closed) return;
      if (recover()) {
        if (queue.length > 0) scheduleFlush();
      } else scheduleRetry();
    }, delay);
  }

  /**
   * Moves up to `max` queued rows to the database, or to the spool when degraded. Returns
   * whether another flush should follow at once.
   */
  function flushSome(max: number, all = false): boolean {
    journalPaused = false;
    if (queue.length === 0) return false;
    // While degraded, only the retry timer (or an explicit flush) touches the database:
    // hitting a locked file every 50 ms would stall the event loop for busy_timeout each time.
    if (degraded !== undefined || (fileOnly > 0 && !recover()) || writer === null) {
      return parkInSpool(all);
    }
    const batch = queue.slice(0, max);
    const rows = batch.map((p) => p.row);
    try {
      writer.write(rows, cfg.batchRows, deps.onTransaction);
    } catch (error) {
      degrade(error);
      return parkInSpool(all);
    }
    announce(rows);
    queue = queue.slice(batch.length);
    memoryOnly -= batch.filter((p) => !p.journaled).length;
    if (queue.length === 0 && fileOnly === 0) clearSpool();
    return queue.length > 0;
  }

  function scheduleFlush(): void {
    if (closed) return;
    // Never at once while degraded: each flush then walks the whole memory queue.
    const immediate = degraded === undefined && queue.length >= cfg.batchRows;
    if (flushTimer !== undefined) {
      if (flushTimer.immediate || !immediate) return;
      flushTimer.cancel();
    }
    const cancel = deps.timers.schedule(() => {
      flushTimer = undefined;
      if (flushSome(cfg.batchRows)) scheduleFlush();
    }, immediate ? 0 : cfg.flushIntervalMs);
    flushTimer = { cancel, immediate };
  }

  function enqueue(record: CallRecord): void {
    try {
      const row = callToDbRow(record);
      if (!isDbRow(row)) {
        dropped++;
        noteError(
          `record ${JSON.stringify(record.id)} dropped: a required field is missing or not finite`,
        );
        return;
      }
      // Journaled at once, before anything else can happen to the process.
      let journaled = options.journal !== false && !journalPaused && journal([row]) === 1;
      if (closed || queue.length >= cfg.queueCap) {
        // Rows memory cannot take must reach the file, journal or not.
        if (!journaled && !journalPaused) journaled = journal([row]) === 1;
        if (journaled) fileOnly++;
        else {
          dropped++;
          noteError(
            closed
              ? "a row came after close and the spool refused it: dropped"
              : `${cfg.queueCap} rows wait in memory and the spool refuses more: rows are being dropped`,
          );
        }
        return;
      }
      queue.push({ row, journaled });
      if (!journaled) memoryOnly++;
      scheduleFlush();
    } catch (error) {
      // Enqueue sits on the proxy's path: nothing may escape from here.
      dropped++;
      try {
        noteError(`record dropped: ${describeError(error)}`);
      } catch {
        // A throwing log sink must not break the caller either.
      }
    }
  }

  function flushAll(): void {
    flushTimer?.cancel();
    flushTimer = undefined;
    if (degraded !== undefined || fileOnly > 0 || writer === null) recover();
    while (queue.length > 0) {
      const before = queue.length;
      flushSome(cfg.batchRows, true);
      if (queue.length >= before) break; // neither the database nor the spool takes them
    }
  }

  function state(): StoreState {
    const s: StoreState = {
      state: degraded === undefined ? "ok" : "degraded",
      queued: queue.length,
      spooled: fileOnly,
      dropped,
      memoryOnly,
      memoryCap: cfg.queueCap,
      spoolBytes: spool.usedBytes(),
      spoolFileBytes: spool.sizeBytes(),
      spoolReserveBytes: Math.min(cfg.spoolReserveBytes, cfg.spoolCapBytes),
    };
    if (degraded !== undefined) {
      s.cause = degraded.cause;
      s.reason = degraded.reason;
    }
    if (lastError !== undefined) s.lastError = lastError;
    return s;
  }

  recover();
  if (degraded === undefined) spool.ensureReserve();

  return {
    enqueue,
    flush: () => {
      if (!closed) flushAll();
      return Promise.resolve();
    },
    close: () => {
      if (closed) return Promise.resolve();
      flushAll();
      if (queue.length > 0) {
        dropped += queue.length;
        noteError(
          `${queue.length} row(s) lost at close: neither the database nor the spool took them`,
        );
        queue = [];
        memoryOnly = 0;
      }
      closed = true;
      retryTimer?.();
      retryTimer = undefined;
      // Connections that cannot be closed safely stay open until the process exits.
      if (writer && !writer.close()) park(writer.close);
      writer = null;
      if (!reader.close()) park(reader.close);
      spool.close();
      return Promise.resolve();
    },
    state,
    listCalls: (filter) => reader.read((db) => listCalls(db, filter)),
    summarize: (opts) => reader.read((db) => summarize(db, opts)),
    spendBuckets: (q) => reader.read((db) => spendBuckets(db, q)),
    rateLimitRows: (since) => reader.read((db) => rateLimitRows(db, since)),
    report: (q) => reader.read((db) => report(db, q)),
    exportRowsAfter: (after, limit, columns) =>
      reader.read((db) => exportReadsOn(db, columns).rowsAfter(after, limit)),
    exportLag: (after) =>
      reader.read((db) => exportReadsOn(db, exportReads?.columns ?? []).lag(after)),
    metricTotals: () => reader.read((db) => metricTotals(db)),
    metricRowsAfter: (rowid, limit) => reader.read((db) => metricRowsAfter(db, rowid, limit)),
    metricIdAt: (rowid) => reader.read((db) => metricIdAt(db, rowid)),
  };
}
