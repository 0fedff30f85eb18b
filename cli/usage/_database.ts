import type { DatabaseSync } from "node:sqlite";
import { openReadOnlyDatabase } from "../_read_only_database.ts";

/**
 * Runs `read` on the calls database through a read-only connection that leaves no `-wal`/`-shm`
 * beside a stopped daemon's file; null when there is no database yet (nothing metered).
 */
export function readDatabase<T>(path: string, read: (db: DatabaseSync) => T): T | null {
  try {
    Deno.statSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw err;
  }
  using ro = openReadOnlyDatabase(path);
  return read(ro.db);
}
