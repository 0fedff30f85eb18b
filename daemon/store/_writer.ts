import { DatabaseSync } from "node:sqlite";
import { COLUMN_NAMES, type DbRow } from "./_db_row.ts";
import { assertDbFilesWritable, DbFilesUnwritableError } from "./_db_files.ts";
import { migrate } from "./_migrations.ts";

/** The write connection: one prepared insert, batches in `BEGIN IMMEDIATE` transactions. */
export interface Writer {
  /** Inserts `rows` in transactions of `batchRows`; duplicates (same id) are ignored. Throws. */
  write(rows: readonly DbRow[], batchRows: number, onTransaction: (rows: number) => void): void;
  /**
   * Closes the connection; false (and nothing touched) while the database files cannot be
   * written, since closing may checkpoint and write `-shm`: call again once they can.
   */
  close(): boolean;
}

const INSERT_SQL = `INSERT OR IGNORE INTO calls (${COLUMN_NAMES.join(", ")}) VALUES (${
  COLUMN_NAMES.map(() => "?").join(", ")
})`;

/** Closes `db` unless its files cannot be written (see `assertDbFilesWritable`). */
export function closeIfWritable(db: DatabaseSync, path: string): boolean {
  if (!db.isOpen) return true;
  try {
    assertDbFilesWritable(path);
  } catch {
    return false;
  }
  db.close();
  return true;
}

/**
 * Opens `path` for writing, sets the pragmas and runs migrations. Throws (with the SQLite
 * error as `cause`) when the file cannot be opened, is not a database, or is locked, and
 * `DbFilesUnwritableError` (as `cause`) when one of its files cannot be written. A handle
 * that cannot be closed safely on the way out is handed to `park` (see `Writer.close`).
 */
export function openWriter(
  path: string,
  busyTimeoutMs: number,
  park: (close: () => boolean) => void,
): Writer {
  let db: DatabaseSync | undefined;
  try {
    assertDbFilesWritable(path);
    db = new DatabaseSync(path, { timeout: busyTimeoutMs });
    // WAL: readers (API, CLI) never block this writer nor it them. NORMAL: a power
    // cut may lose the last commits but never corrupts; metering rows tolerate that.
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = NORMAL");
    migrate(db);
    const conn = db;
    const insert = conn.prepare(INSERT_SQL);
    return {
      write(rows, batchRows, onTransaction) {
        for (let start = 0; start < rows.length; start += batchRows) {
          const chunk = rows.slice(start, start + batchRows);
          assertDbFilesWritable(path);
          conn.exec("BEGIN IMMEDIATE");
          try {
            for (const row of chunk) insert.run(...COLUMN_NAMES.map((name) => row[name] ?? null));
            // Again just before COMMIT, which writes -shm: the files may have turned
            // read-only while the rows were inserted.
            assertDbFilesWritable(path);
            conn.exec("COMMIT");
          } catch (error) {
            // A ROLLBACK writes -shm too: the transaction stays open until close() can run.
            if (conn.isTransaction && !(error instanceof DbFilesUnwritableError)) {
              try {
                conn.exec("ROLLBACK");
              } catch {
                // The connection is already broken; the caller closes it.
              }
            }
            throw error;
          }
          onTransaction(chunk.length);
        }
      },
      close: () => closeIfWritable(conn, path),
    };
  } catch (error) {
    const half = db;
    try {
      // Kept referenced until it can be closed: a collected handle closes itself, unguarded.
      if (half && !closeIfWritable(half, path)) park(() => closeIfWritable(half, path));
    } catch {
      // Closing a half-opened handle can fail too; the open error is what matters.
    }
    throw new Error(`Cannot open the calls database ${path} for writing`, { cause: error });
  }
}
