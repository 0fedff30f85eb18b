import { DatabaseSync } from "node:sqlite";
import type { CallRecord } from "../../core/call_record.ts";
import { callToDbRow, type DbRow, isDbRow } from "./_db_row.ts";
import { describeError } from "./_describe_error.ts";
import { createSpool } from "./_spool.ts";
import { openWriter, type Writer } from "./_writer.ts";
import { listCalls } from "./list_calls.ts";
import { StoreUnavailableError } from "./store_unavailable_error.ts";
import { summarize } from "./summarize.ts";
import { rateLimitRows, spendBuckets } from "./spend_buckets.ts";
import type { OpenStoreOptions, Store, StoreDeps, StoreState } from "./types.ts";

const DEFAULTS = {
  queueCap: 10_000,
  batchRows: 200,
  flushIntervalMs: 50,
  busyTimeoutMs: 200,
  spoolCapBytes: 64 * 1024 * 1024,
  retryMinMs: 1_000,
  retryMaxMs: 10_000,
};

function defaultDeps(): StoreDeps {
  return {
    timers: {
      schedule: (fn, ms) => {
        const timer = setTimeout(fn, ms);
        return () => clearTimeout(timer);
      },
    },
    now: () => Date.now(),
    onTransaction: () => {},
    log: () => {},
  };
}

function parentDir(path: string): string | null {
  const i = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return i > 0 ? path.slice(0, i) : null;
}

/** Best effort: create the parent folder, and the file itself with 0600 (rows name projects). */
function prepareFile(path: string): void {
  try {
    const dir = parentDir(path);
    if (dir) Deno.mkdirSync(dir, { recursive: true });
    Deno.openSync(path, { create: true, write: true, mode: 0o600 }).close();
  } catch {
    // The real open reports the problem with SQLite's own words.
  }
}

function isSqliteError(error: unknown): boolean {
  return error instanceof Error && (error as { code?: unknown }).code === "ERR_SQLITE_ERROR";
}

/**
 * Opens the calls store. Never throws for storage problems: a database that cannot be
 * opened (locked, corrupt, unreadable) leaves the store `degraded`, writing rows to the
 * spool and retrying in the background; a spool left by an earlier run is replayed here.
 */
export function openStore(options: OpenStoreOptions): Store {
  const cfg = { ...DEFAULTS, ...definedOnly(options) };
  const deps: StoreDeps = { ...defaultDeps(), ...options.deps };
  const { path } = options;

  prepareFile(path);
  prepareFile(options.spoolPath);
  const spool = createSpool(options.spoolPath, cfg.spoolCapBytes);

  let writer: Writer | null = null;
  let reader: DatabaseSync | null = null;
  let degradedReason: string | undefined;
  let lastError: string | undefined;
  let dropped = 0;
  let queue: DbRow[] = [];
  let flushTimer: { cancel: () => void; immediate: boolean } | undefined;
  let retryTimer: (() => void) | undefined;
  let retryDelay = cfg.retryMinMs;
  let closed = false;

  function noteError(message: string): void {
    lastError = message;
    deps.log(`store: ${message}`);
  }

  function degrade(reason: string): void {
    if (degradedReason === undefined) deps.log(`store: degraded, spooling rows: ${reason}`);
    degradedReason = reason;
    lastError = reason;
    // Reopen from scratch on recovery: a handle that saw IO or corruption errors is suspect.
    writer?.close();
    writer = null;
    scheduleRetry();
  }

  function spoolRows(rows: readonly DbRow[]): void {
    if (rows.length === 0) return;
    const result = spool.append(rows);
    dropped += result.dropped;
    if (result.error) noteError(result.error);
  }

  /** Opens the writer if needed and replays the spool. True when the store is healthy. */
  function recover(): boolean {
    try {
      writer ??= openWriter(path, cfg.busyTimeoutMs);
    } catch (error) {
      degrade(describeError(error));
      return false;
    }
    if (spool.rows() > 0) {
      let replay;
      try {
        replay = spool.readAll();
      } catch (error) {
        degrade(`Cannot read spool ${spool.path}: ${describeError(error)}`);
        return false;
      }
      try {
        writer.write(replay.rows, cfg.batchRows, deps.onTransaction);
      } catch (error) {
        degrade(describeError(error));
        return false;
      }
      try {
        // Rows are in the database now; a crash before this line only means a harmless
        // second replay (INSERT OR IGNORE by id).
        spool.clear();
      } catch (error) {
        degrade(`Cannot truncate spool ${spool.path}: ${describeError(error)}`);
        return false;
      }
      if (replay.invalid > 0) {
        dropped += replay.invalid;
        noteError(`spool ${spool.path} had ${replay.invalid} unreadable line(s); dropped`);
      }
      deps.log(`store: replayed ${replay.rows.length} spooled row(s)`);
    }
    if (degradedReason !== undefined) deps.log("store: recovered, writing to the database");
    degradedReason = undefined;
    retryDelay = cfg.retryMinMs;
    retryTimer?.();
    retryTimer = undefined;
    return true;
  }

  function scheduleRetry(): void {
    if (closed || retryTimer !== undefined) return;
    const delay = retryDelay;
    retryDelay = Math.min(retryDelay * 2, cfg.retryMaxMs);
    retryTimer = deps.timers.schedule(() => {
      retryTimer = undefined;
      if (closed) return;
      if (recover()) {
        if (queue.length > 0) scheduleFlush();
      } else scheduleRetry();
    }, delay);
  }

  /** Moves up to `max` queued rows to the database, or to the spool when degraded. */
  function flushSome(max: number): void {
    const batch = queue.slice(0, max);
    queue = queue.slice(batch.length);
    if (batch.length === 0) return;
    // While degraded, only the retry timer (or an explicit flush) touches the database:
    // hitting a locked file every 50 ms would stall the event loop for busy_timeout each time.
    if (degradedReason !== undefined || (spool.rows() > 0 && !recover()) || writer === null) {
      spoolRows(batch);
      return;
    }
    try {
      writer.write(batch, cfg.batchRows, deps.onTransaction);
    } catch (error) {
      degrade(describeError(error));
      spoolRows(batch);
    }
  }

  function scheduleFlush(): void {
    if (closed) return;
    const immediate = queue.length >= cfg.batchRows;
    if (flushTimer !== undefined) {
      if (flushTimer.immediate || !immediate) return;
      flushTimer.cancel();
    }
    const cancel = deps.timers.schedule(() => {
      flushTimer = undefined;
      flushSome(cfg.batchRows);
      if (queue.length > 0) scheduleFlush();
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
      if (closed || queue.length >= cfg.queueCap) {
        spoolRows([row]);
        return;
      }
      queue.push(row);
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
    if (degradedReason !== undefined || spool.rows() > 0 || writer === null) recover();
    while (queue.length > 0) flushSome(cfg.batchRows);
  }

  function read<T>(query: (db: DatabaseSync) => T): T {
    try {
      reader ??= new DatabaseSync(path, { readOnly: true, timeout: cfg.busyTimeoutMs });
    } catch (error) {
      throw new StoreUnavailableError(
        `Cannot read the calls database ${path}: ${
          describeError(error)
        }; see /health for the store state`,
        { cause: error },
      );
    }
    try {
      return query(reader);
    } catch (error) {
      if (!isSqliteError(error)) throw error;
      // Reopen next time: the file may have been replaced or repaired since.
      reader.close();
      reader = null;
      throw new StoreUnavailableError(
        `Cannot read the calls database ${path}: ${
          describeError(error)
        }; see /health for the store state`,
        { cause: error },
      );
    }
  }

  function state(): StoreState {
    const s: StoreState = {
      state: degradedReason === undefined ? "ok" : "degraded",
      queued: queue.length,
      spooled: spool.rows(),
      dropped,
    };
    if (degradedReason !== undefined) s.reason = degradedReason;
    if (lastError !== undefined) s.lastError = lastError;
    return s;
  }

  recover();

  return {
    enqueue,
    flush: () => {
      if (!closed) flushAll();
      return Promise.resolve();
    },
    close: () => {
      if (closed) return Promise.resolve();
      flushAll();
      closed = true;
      retryTimer?.();
      retryTimer = undefined;
      writer?.close();
      writer = null;
      if (reader?.isOpen) reader.close();
      reader = null;
      return Promise.resolve();
    },
    state,
    listCalls: (filter) => read((db) => listCalls(db, filter)),
    summarize: (opts) => read((db) => summarize(db, opts)),
    spendBuckets: (q) => read((db) => spendBuckets(db, q)),
    rateLimitRows: (since) => read((db) => rateLimitRows(db, since)),
  };
}

/** Drops `undefined` options so they do not override the defaults. */
function definedOnly(options: OpenStoreOptions): Partial<typeof DEFAULTS> {
  const out: Partial<typeof DEFAULTS> = {};
  for (const key of Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[]) {
    const v = options[key];
    if (typeof v === "number" && Number.isFinite(v) && v >= 0) out[key] = v;
  }
  return out;
}
