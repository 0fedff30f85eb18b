/**
 * The exporter's position, `<home>/export/otlp-cursor.json`: the rowid and id of the last row
 * the collector accepted (docs/EXPORT.md). Written atomically (a synced temp file renamed over
 * it), so a crash leaves the old position or the new one: at worst a batch is sent again, and its
 * spans keep their ids.
 */
import { writeFileAtomic } from "../../core/mod.ts";
import type { RowPosition } from "../store/mod.ts";

export const START: RowPosition = { rowid: 0, id: null };

/** The saved position; the start when there is none; an error for a file that is not one. */
export async function readCursor(path: string): Promise<RowPosition> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return START;
    throw new Error(`Cannot read the export cursor ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  const p = parsed as { rowid?: unknown; id?: unknown } | null;
  if (
    p === null || typeof p !== "object" || typeof p.rowid !== "number" ||
    !Number.isInteger(p.rowid) || p.rowid < 0 || !(typeof p.id === "string" || p.id === null)
  ) {
    throw new Error(
      `Cannot read the export cursor ${path}: expected {"rowid": <n>, "id": "<call id>"}; remove it to export every row again`,
    );
  }
  return { rowid: p.rowid, id: p.id };
}

export async function writeCursor(path: string, position: RowPosition, now: number): Promise<void> {
  const dir = path.slice(0, path.lastIndexOf("/"));
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const text = JSON.stringify({ ...position, updated_at: new Date(now).toISOString() });
  await writeFileAtomic(path, `${text}\n`, { mode: 0o600 });
}
