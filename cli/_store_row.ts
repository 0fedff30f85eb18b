/**
 * The calls store as the running daemon reports it in `/health` (`store`), read once and
 * shared by `status` (its `store` row) and `doctor` (`daemon.store`, `database.spool`), so
 * the two cannot disagree. See docs/SCHEMA.md, "When the database refuses writes".
 */
import { healthSection, type HttpProbe } from "./_probes.ts";

export interface StoreRow {
  /** `unknown`: the daemon's API did not answer, or did not report its store. */
  state: "ok" | "degraded" | "unknown";
  detail: string;
  /** While degraded: disk_full, read_only, locked, corrupt, io_error or unavailable. */
  cause: string | null;
  /** Why, in SQLite's or the OS's words, while degraded. */
  reason: string | null;
  /** Rows in the daemon's memory not yet in the database. */
  queued: number | null;
  /** Rows only the spool file holds, waiting for the database. */
  spooled: number | null;
  /** Rows held only in memory (neither database nor spool took them): a kill loses them. */
  memory_only: number | null;
  /** Rows lost since the daemon started. */
  dropped: number | null;
  /** The last storage error the daemon saw, kept after recovery. */
  last_error: string | null;
}

const LABELS: Record<string, string> = {
  disk_full: "disk full",
  read_only: "database files read-only",
  locked: "database locked by another process",
  corrupt: "database corrupt",
  io_error: "I/O error",
  unavailable: "database cannot be opened",
};

const num = (v: unknown): number | null => typeof v === "number" && Number.isFinite(v) ? v : null;
const str = (v: unknown): string | null => typeof v === "string" && v !== "" ? v : null;

function unknown(detail: string): StoreRow {
  return {
    state: "unknown",
    detail,
    cause: null,
    reason: null,
    queued: null,
    spooled: null,
    memory_only: null,
    dropped: null,
    last_error: null,
  };
}

/** What the cause means for a reader, e.g. `disk full`. */
export function storeCauseLabel(cause: string | null): string {
  return cause === null ? "degraded" : LABELS[cause] ?? cause;
}

/** The store row from the daemon's `GET /health` on its API port (`null`: not asked). */
export function storeRow(probe: HttpProbe | null): StoreRow {
  if (probe === null || probe.kind !== "answered") {
    return unknown("the daemon's API does not answer");
  }
  const r = healthSection(probe, "store");
  if (r === null) return unknown(`GET /health answered ${probe.status} without the store state`);
  const row: StoreRow = {
    state: r.state === "ok" ? "ok" : "degraded",
    detail: "",
    cause: str(r.cause),
    reason: str(r.reason),
    queued: num(r.queued),
    spooled: num(r.spooled),
    memory_only: num(r.memoryOnly),
    dropped: num(r.dropped),
    last_error: str(r.lastError),
  };
  const dropped = row.dropped ? `; ${row.dropped} rows dropped since start` : "";
  if (row.state === "ok") {
    row.detail = `writing rows to the database${dropped}${
      row.dropped && row.last_error ? ` (${row.last_error})` : ""
    }`;
    return row;
  }
  const cap = num(r.memoryCap);
  row.detail = `${storeCauseLabel(row.cause)}: ${row.reason ?? "no reason given"}; ${
    row.spooled ?? 0
  } rows in the spool, ${row.memory_only ?? 0} only in memory${
    cap !== null ? ` (cap ${cap})` : ""
  }${dropped || "; none dropped"}; see halton-meter doctor`;
  return row;
}
