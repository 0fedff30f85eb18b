/**
 * Opens the calls database for reading without leaving anything beside it.
 *
 * A WAL database with no `-wal` file is fully checkpointed, but even a read-only SQLite
 * connection creates `-wal`/`-shm` beside it. The `immutable=1` URI would avoid that, but
 * Deno checks a `file:` URI as a path relative to the working directory unless every
 * permission is granted (`-A`), and the launcher grants named permissions only. So the
 * connection goes through a hard link in a private directory beside the database: the side
 * files land there and go with it. With a `-wal` present (a daemon has the database open) a
 * plain read-only open reads it and shares its locks.
 */
import { DatabaseSync } from "node:sqlite";

export interface ReadOnlyDatabase extends Disposable {
  db: DatabaseSync;
  /** How it was opened: `wal` (beside a live `-wal`), `link` (private hard link), `direct`. */
  via: "wal" | "link" | "direct";
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Throws what SQLite throws (not a database, locked, ...); never creates `path`. */
export function openReadOnlyDatabase(path: string, timeoutMs = 2000): ReadOnlyDatabase {
  const open = (p: string) => new DatabaseSync(p, { readOnly: true, timeout: timeoutMs });
  const plain = (via: "wal" | "direct"): ReadOnlyDatabase => {
    const db = open(path);
    return { db, via, [Symbol.dispose]: () => closeQuietly(db) };
  };
  if (exists(`${path}-wal`)) return plain("wal");
  if (Deno.build.os === "windows") return plain("direct");
  const slash = path.lastIndexOf("/");
  let dir: string;
  try {
    dir = Deno.makeTempDirSync({ dir: slash > 0 ? path.slice(0, slash) : "/", prefix: ".ro-" });
  } catch {
    return plain("direct");
  }
  const removeDir = () => {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch { /* already gone */ }
  };
  const link = `${dir}/${path.slice(slash + 1)}`;
  try {
    Deno.linkSync(path, link);
  } catch {
    removeDir();
    return plain("direct");
  }
  let db: DatabaseSync;
  try {
    db = open(link);
  } catch (err) {
    removeDir();
    throw err;
  }
  return {
    db,
    via: "link",
    [Symbol.dispose]: () => {
      closeQuietly(db);
      removeDir();
    },
  };
}

function closeQuietly(db: DatabaseSync): void {
  try {
    db.close();
  } catch { /* not open */ }
}
