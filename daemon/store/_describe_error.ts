const SQLITE_CODES: Record<number, string> = {
  5: "SQLITE_BUSY",
  6: "SQLITE_LOCKED",
  8: "SQLITE_READONLY",
  10: "SQLITE_IOERR",
  11: "SQLITE_CORRUPT",
  13: "SQLITE_FULL",
  14: "SQLITE_CANTOPEN",
  26: "SQLITE_NOTADB",
};

/**
 * A one-line description of a storage error for `state().reason` and logs, e.g.
 * `database is locked (SQLITE_BUSY)`. Follows `cause` chains so wrapped errors keep
 * the SQLite message that explains them.
 */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== undefined && current !== null; depth++) {
    if (current instanceof Error) {
      const errcode = (current as { errcode?: unknown }).errcode;
      const name = typeof errcode === "number" ? SQLITE_CODES[errcode & 0xff] : undefined;
      parts.push(name ? `${current.message} (${name})` : current.message);
      current = current.cause;
    } else {
      parts.push(String(current));
      break;
    }
  }
  return parts.join(": ") || "unknown error";
}
