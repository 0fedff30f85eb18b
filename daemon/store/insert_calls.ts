/**
 * Writes records straight into a database on the caller's own connection, migrating it first:
 * the real schema and its trigger (so `rollup_15m` is kept), without the daemon's queue and
 * spool. For tests that seed a database, benchmarks that generate a million rows, and imports;
 * never for a database a running daemon writes (it holds the only writer).
 */
import type { DatabaseSync } from "node:sqlite";
import type { CallRecord } from "../../core/call_record.ts";
import { callToDbRow, COLUMN_NAMES } from "./_db_row.ts";
import { migrate } from "./_migrations.ts";

const INSERT_SQL = `INSERT OR IGNORE INTO calls (${COLUMN_NAMES.join(", ")}) VALUES (${
  COLUMN_NAMES.map(() => "?").join(", ")
})`;

/** Inserts in one transaction (replayed ids are skipped); returns how many rows were new. */
export function insertCalls(db: DatabaseSync, records: Iterable<CallRecord>): number {
  migrate(db);
  const st = db.prepare(INSERT_SQL);
  let added = 0;
  db.exec("BEGIN IMMEDIATE");
  try {
    for (const r of records) {
      const row = callToDbRow(r);
      added += Number(st.run(...COLUMN_NAMES.map((n) => row[n])).changes);
    }
    db.exec("COMMIT");
  } catch (err) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw new Error(`Cannot insert calls: ${(err as Error).message}`, { cause: err });
  }
  return added;
}
