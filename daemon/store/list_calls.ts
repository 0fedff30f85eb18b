import type { DatabaseSync } from "node:sqlite";
import { dbRowToCallRow } from "./_db_row.ts";
import { buildWhere, type WhereClause } from "./_where.ts";
import { decodeCursor, encodeCursor } from "./cursor.ts";
import type { ListCallsFilter, ListCallsResult } from "./types.ts";

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_LIMIT;
  return Math.min(MAX_LIMIT, Math.max(1, Math.trunc(limit)));
}

/**
 * One page of calls, newest first, on the given (read) connection. Keyset pagination:
 * a page is stable while rows are being inserted, and deep pages cost the same as the first.
 */
export function listCalls(db: DatabaseSync, filter: ListCallsFilter = {}): ListCallsResult {
  const limit = clampLimit(filter.limit);
  const extra: WhereClause[] = [];
  if (filter.cursor !== undefined) {
    const cursor = decodeCursor(filter.cursor);
    if (cursor === null) {
      throw new RangeError(
        `Cannot list calls: cursor ${
          JSON.stringify(filter.cursor)
        } is not one this store issued; ` +
          "pass nextCursor from a previous page",
      );
    }
    extra.push({
      sql: "(started_at < ? OR (started_at = ? AND id < ?))",
      params: [cursor.startedAt, cursor.startedAt, cursor.id],
    });
  }
  const where = buildWhere(filter, extra);
  const rows = db
    .prepare(`SELECT * FROM calls ${where.sql} ORDER BY started_at DESC, id DESC LIMIT ?`)
    .all(...where.params, limit + 1);
  const calls = rows.slice(0, limit).map((r) => dbRowToCallRow(r));
  const last = calls.at(-1);
  const nextCursor = rows.length > limit && last
    ? encodeCursor({ startedAt: last.started_at, id: last.id })
    : null;
  return { calls, nextCursor };
}
