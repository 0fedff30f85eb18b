import { DatabaseSync } from "node:sqlite";
import { COLUMN_NAMES, type DbRow } from "./_db_row.ts";
import { migrate } from "./_migrations.ts";

/** The write connection: one prepared insert, batches in `BEGIN IMMEDIATE` transactions. */
export interface Writer {
  /** Inserts `rows` in transactions of `batchRows`; duplicates (same id) are ignored. Throws. */
  write(rows: readonly DbRow[], batchRows: number, onTransaction: (rows: number) => void): void;
  close(): void;
}

const INSERT_SQL = `INSERT OR IGNORE INTO calls (${COLUMN_NAMES.join(", ")}) VALUES (${
  COLUMN_NAMES.map(() => "?").join(", ")
})`;

/**
 * Opens `path` for writing, sets the pragmas and runs migrations. Throws (with the SQLite
 * error as `cause`) when the file cannot be opened, is not a database, or is locked.
 */
export function openWriter(path: string, busyTimeoutMs: number): Writer {
  let db: DatabaseSync | undefined;
  try {
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
          conn.exec("BEGIN IMMEDIATE");
          try {
            for (const row of chunk) insert.run(...COLUMN_NAMES.map((name) => row[name] ?? null));
            conn.exec("COMMIT");
          } catch (error) {
            if (conn.isTransaction) {
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
      close() {
        if (conn.isOpen) conn.close();
      },
    };
  } catch (error) {
    try {
      if (db?.isOpen) db.close();
    } catch {
      // Closing a half-opened handle can fail too; the open error is what matters.
    }
    throw new Error(`Cannot open the calls database ${path} for writing`, { cause: error });
  }
}
