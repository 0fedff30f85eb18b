/**
 * Reads for exporters (docs/EXPORT.md): rows in the order they were written, after a position.
 *
 * Exporters follow SQLite's `rowid`, not the call id: ids are time-ordered by a call's *start*,
 * but a row is written when its call *ends*, so a long stream started before a short call is
 * written after it, with a smaller id. A cursor on ids would skip it; `rowid` grows with every
 * insert (rows are never deleted; `INSERT OR IGNORE` of a replayed row takes none). A position
 * keeps the id of its row too: `VACUUM` may renumber rowids, and a replaced database starts
 * again from 1; either is detected and the position moved (see `locate`).
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { COLUMN_NAMES, type ColumnName } from "./_db_row.ts";

export type { ColumnName };

/** Where an exporter is: the last row it has handled (rowid 0 and id null: before the first). */
export interface RowPosition {
  rowid: number;
  id: string | null;
}

/** A column's value as stored: TEXT, INTEGER or REAL, or NULL. */
export type ExportValue = string | number | null;

/**
 * One row as an array: `[rowid, id, ...columns]`, the columns in the order asked for. Arrays,
 * not objects: SQLite hands them over at about half the cost, and an exporter walks them by
 * position anyway.
 */
export type ExportRow = readonly ExportValue[];

export interface ExportRowsAfter {
  /** Rows written after the position, in write order; self-test rows included (skip them). */
  rows: ExportRow[];
  /** The position the rows follow: `after`, unless it had to be found again (`moved`). */
  from: RowPosition;
  /** The row at `after.rowid` was not `after.id` (VACUUM, a replaced database). */
  moved: boolean;
}

export interface ExportLag {
  /** Rows written after the position (by rowid). */
  rowsBehind: number;
  /** `ended_at` (epoch ms) of the first row after the position; null when none. */
  oldestEndedAt: number | null;
  /** The last row written: its rowid (0 when the table is empty). */
  lastRowid: number;
}

function num(v: unknown): number | null {
  return typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : null;
}

/** Null when the row is what `ExportRow` says; else what is wrong with it. */
function rowProblem(row: readonly unknown[], columns: readonly string[]): string | null {
  if (typeof row[0] !== "number") return `rowid is ${typeof row[0]}`;
  if (typeof row[1] !== "string") return `calls.id is ${typeof row[1]}`;
  for (let i = 2; i < row.length; i++) {
    const v = row[i];
    if (v !== null && typeof v !== "string" && typeof v !== "number") {
      return `calls.${columns[i - 2]} is ${typeof v}, expected text, a number or null`;
    }
  }
  return null;
}

/**
 * An exporter's reads on one connection, each statement prepared once (a new connection, after
 * the store reopened, gets new ones).
 */
export interface ExportReads {
  db: DatabaseSync;
  columns: readonly ColumnName[];
  /** Up to `limit` rows written after `after`, oldest write first. */
  rowsAfter(after: RowPosition, limit: number): ExportRowsAfter;
  /** How far behind `after` is. Three O(1) lookups, cheap enough for every `/health`. */
  lag(after: RowPosition): ExportLag;
}

export function createExportReads(db: DatabaseSync, columns: readonly ColumnName[]): ExportReads {
  for (const c of columns) {
    if (!COLUMN_NAMES.includes(c)) throw new Error(`Cannot read calls.${c}: no such column`);
  }
  const rows = db.prepare(
    `SELECT rowid, id${
      columns.map((c) => `, ${c}`).join("")
    } FROM calls WHERE rowid > ? ORDER BY rowid LIMIT ?`,
  );
  // Not in the bundled node:sqlite types yet; Deno has it (Node 24 too). Without it rows come
  // as objects, turned into arrays below.
  const asArrays = rows as StatementSync & { setReturnArrays?: (on: boolean) => void };
  const arrays = typeof asArrays.setReturnArrays === "function";
  if (arrays) asArrays.setReturnArrays!(true);
  const idAt = db.prepare("SELECT id FROM calls WHERE rowid = ?");
  const lastRow = db.prepare("SELECT MAX(rowid) AS r FROM calls");
  const firstEnd = db.prepare("SELECT ended_at FROM calls WHERE rowid > ? ORDER BY rowid LIMIT 1");
  let rare: StatementSync[] | null = null;

  /** The position to read after: `after` itself, or where its row went. */
  function locate(after: RowPosition): { from: RowPosition; moved: boolean } {
    if (after.id === null) return { from: after, moved: false };
    if (idAt.get(after.rowid)?.id === after.id) return { from: after, moved: false };
    // Rare (VACUUM, a replaced database): prepared when first needed.
    rare ??= [
      db.prepare("SELECT rowid AS r FROM calls WHERE id = ?"),
      db.prepare("SELECT MIN(rowid) AS r FROM calls WHERE id > ?"),
    ];
    const [byId, firstAfter] = rare;
    const same = num(byId.get(after.id)?.r);
    if (same !== null) return { from: { rowid: same, id: after.id }, moved: true };
    // The row is gone (a new database): resume before the first call that started after it.
    // Ids are time-ordered, so that is every newer call; a few may be sent twice.
    const next = num(firstAfter.get(after.id)?.r);
    const last = num(lastRow.get()?.r) ?? 0;
    return { from: { rowid: next === null ? last : next - 1, id: null }, moved: true };
  }

  return {
    db,
    columns,
    rowsAfter(after, limit) {
      const { from, moved } = locate(after);
      const all: unknown[] = rows.all(from.rowid, limit);
      const got = arrays ? all as unknown[][] : all.map((r) => Object.values(r as object));
      for (const row of got) {
        const problem = rowProblem(row, columns);
        if (problem !== null) {
          throw new Error(`Cannot read the calls table for export: ${problem}; check the schema`);
        }
      }
      return { rows: got as ExportRow[], from, moved };
    },
    lag(after) {
      const last = num(lastRow.get()?.r) ?? 0;
      const { from } = locate(after);
      return {
        rowsBehind: Math.max(0, last - from.rowid),
        oldestEndedAt: num(firstEnd.get(from.rowid)?.ended_at),
        lastRowid: last,
      };
    },
  };
}
