import { DatabaseSync } from "node:sqlite";
import { assertDbFilesWritable } from "./_db_files.ts";
import { describeError } from "./_describe_error.ts";
import { closeIfWritable } from "./_writer.ts";
import { StoreUnavailableError } from "./store_unavailable_error.ts";

/** The read-only connection the API and the policy read through. */
export interface Reader {
  /** Runs `query`; throws `StoreUnavailableError` when the database cannot be read now. */
  read<T>(query: (db: DatabaseSync) => T): T;
  /** Closes the connection; false while that is unsafe (see `Writer.close`). */
  close(): boolean;
}

function isSqliteError(error: unknown): boolean {
  return error instanceof Error && (error as { code?: unknown }).code === "ERR_SQLITE_ERROR";
}

function unavailable(path: string, error: unknown): StoreUnavailableError {
  return new StoreUnavailableError(
    `Cannot read the calls database ${path}: ${
      describeError(error)
    }; see /health for the store state`,
    { cause: error },
  );
}

/**
 * A lazily opened read-only connection. Reads write to `-shm` too (read marks), so each one
 * first checks that the database files can be written, like the writer does; a connection
 * that cannot be closed safely is handed to `park`.
 */
export function createReader(
  path: string,
  busyTimeoutMs: number,
  park: (close: () => boolean) => void,
): Reader {
  let db: DatabaseSync | null = null;
  const drop = () => {
    const old = db;
    db = null;
    if (old && !closeIfWritable(old, path)) park(() => closeIfWritable(old, path));
  };
  return {
    read(query) {
      try {
        assertDbFilesWritable(path);
        db ??= new DatabaseSync(path, { readOnly: true, timeout: busyTimeoutMs });
      } catch (error) {
        throw unavailable(path, error);
      }
      try {
        return query(db);
      } catch (error) {
        if (!isSqliteError(error)) throw error;
        // Reopen next time: the file may have been replaced or repaired since.
        drop();
        throw unavailable(path, error);
      }
    },
    close() {
      if (db === null) return true;
      if (!closeIfWritable(db, path)) return false;
      db = null;
      return true;
    },
  };
}
