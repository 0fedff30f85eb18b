/**
 * Reads for exporters (docs/EXPORT.md): rows in the order they were written, after a position.
 *
 * Exporters follow SQLite's `rowid`, not the call id: ids are time-ordered by a call's *start*,
 * but a row is written when its call *ends*, so a long stream started before a short call is
 * written after it, with a smaller id. A cursor on ids would skip it; `rowid` grows with every
 * insert (rows are never deleted; `INSERT OR IGNORE` of a replayed row takes none). A position
 * keeps the id of its row too: `VACUUM` may renumber rowids, and a replaced database starts
 * again from 1; either is detected and the position moved (see `callsAfter`).
 */
import type { DatabaseSync } from "node:sqlite";
import { dbRowToCallRow } from "./_db_row.ts";
import type { CallRow } from "./types.ts";

/** Where an exporter is: the last row it has handled (rowid 0 and id null: before the first). */
export interface RowPosition {
  rowid: number;
  id: string | null;
}

export interface CallsAfter {
  /** Rows written after the position, in write order; self-test rows included (skip them). */
  rows: { rowid: number; call: CallRow }[];
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

/** The position to read after: `after` itself, or where its row went. */
function locate(db: DatabaseSync, after: RowPosition): { from: RowPosition; moved: boolean } {
  if (after.id === null) return { from: after, moved: false };
  const at = db.prepare("SELECT id FROM calls WHERE rowid = ?").get(after.rowid);
  if (at?.id === after.id) return { from: after, moved: false };
  const same = num(db.prepare("SELECT rowid AS r FROM calls WHERE id = ?").get(after.id)?.r);
  if (same !== null) return { from: { rowid: same, id: after.id }, moved: true };
  // The row is gone (a new database): resume before the first call that started after it.
  // Ids are time-ordered, so that is every newer call; a few may be sent twice.
  const next = num(db.prepare("SELECT MIN(rowid) AS r FROM calls WHERE id > ?").get(after.id)?.r);
  const last = num(db.prepare("SELECT MAX(rowid) AS r FROM calls").get()?.r) ?? 0;
  return { from: { rowid: next === null ? last : next - 1, id: null }, moved: true };
}

/** Up to `limit` rows written after `after`, oldest write first. */
export function callsAfter(db: DatabaseSync, after: RowPosition, limit: number): CallsAfter {
  const { from, moved } = locate(db, after);
  const rows = db
    .prepare("SELECT rowid AS _rowid, * FROM calls WHERE rowid > ? ORDER BY rowid LIMIT ?")
    .all(from.rowid, limit)
    .map((r) => ({ rowid: num(r._rowid) ?? 0, call: dbRowToCallRow(r) }));
  return { rows, from, moved };
}

/** How far behind `after` is. Two O(1) lookups, cheap enough for every `/health`. */
export function exportLag(db: DatabaseSync, after: RowPosition): ExportLag {
  const last = num(db.prepare("SELECT MAX(rowid) AS r FROM calls").get()?.r) ?? 0;
  const { from } = locate(db, after);
  const first = db
    .prepare("SELECT ended_at FROM calls WHERE rowid > ? ORDER BY rowid LIMIT 1")
    .get(from.rowid);
  return {
    rowsBehind: Math.max(0, last - from.rowid),
    oldestEndedAt: num(first?.ended_at),
    lastRowid: last,
  };
}
