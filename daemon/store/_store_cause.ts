/**
 * What kind of fault keeps rows out of the database, for `/health`, `status` and `doctor`:
 * each kind has its own remedy (free space, lift the read-only condition, move the file
 * aside, wait for the other writer).
 */
export type StoreCause =
  | "disk_full"
  | "read_only"
  | "locked"
  | "corrupt"
  | "io_error"
  | "unavailable";

const SQLITE_PRIMARY: Record<number, StoreCause> = {
  5: "locked", // SQLITE_BUSY
  6: "locked", // SQLITE_LOCKED
  8: "read_only", // SQLITE_READONLY
  10: "io_error", // SQLITE_IOERR
  11: "corrupt", // SQLITE_CORRUPT
  13: "disk_full", // SQLITE_FULL
  14: "unavailable", // SQLITE_CANTOPEN
  26: "corrupt", // SQLITE_NOTADB
};

/**
 * SQLite's own messages (sqlite3_errstr), for errors that come without `errcode`: node:sqlite's
 * `exec()` (BEGIN, COMMIT, PRAGMA) throws with the message alone.
 */
const SQLITE_MESSAGES: [string, StoreCause][] = [
  ["database or disk is full", "disk_full"],
  ["attempt to write a readonly database", "read_only"],
  ["database is locked", "locked"],
  ["database table is locked", "locked"],
  ["database disk image is malformed", "corrupt"],
  ["file is not a database", "corrupt"],
  ["disk I/O error", "io_error"],
  ["unable to open database file", "unavailable"],
];

const ERRNO: Record<string, StoreCause> = {
  ENOSPC: "disk_full",
  EDQUOT: "disk_full",
  EPERM: "read_only",
  EACCES: "read_only",
  EROFS: "read_only",
};

/** The cause of a storage error, following `cause` chains; `io_error` when unknown. */
export function storeCause(error: unknown): StoreCause {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const errcode = (current as { errcode?: unknown }).errcode;
    if (typeof errcode === "number" && SQLITE_PRIMARY[errcode & 0xff]) {
      return SQLITE_PRIMARY[errcode & 0xff];
    }
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && ERRNO[code]) return ERRNO[code];
    if (code === "ERR_SQLITE_ERROR") {
      const known = SQLITE_MESSAGES.find(([text]) =>
        current instanceof Error && current.message.startsWith(text)
      );
      if (known) return known[1];
    }
    current = current.cause;
  }
  return "io_error";
}

/** The cause of a failed file operation from its errno-style code, if it has one. */
export function causeOfCode(code: string | undefined): StoreCause {
  return (code !== undefined && ERRNO[code]) || "io_error";
}
