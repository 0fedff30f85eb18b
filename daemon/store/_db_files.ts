import { describeError } from "./_describe_error.ts";

/**
 * Raised instead of touching SQLite while one of the database's files cannot be written.
 * `code` is the errno-style code of the failed open (`EPERM` for chattr +i, `EROFS`).
 */
export class DbFilesUnwritableError extends Error {
  constructor(message: string, readonly code: string | undefined, options?: ErrorOptions) {
    super(message, options);
    this.name = "DbFilesUnwritableError";
  }
}

/**
 * Throws `DbFilesUnwritableError` when the database, its `-wal` or its `-shm` exists but
 * cannot be opened for writing. Why: SQLite maps `-shm` into memory (shared) and writes it
 * on every transaction and read. Once that file turns immutable (`chattr +i`) or its
 * filesystem read-only, the kernel write-protects the mapping and answers the next write
 * with SIGBUS, which kills the whole daemon. So every use of a connection, closing
 * included, is preceded by this check (about 25 µs for the three opens); while it fails
 * the connections are left untouched and rows go to the spool. A file that does not exist
 * yet is fine: SQLite creates it.
 */
export function assertDbFilesWritable(path: string): void {
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      Deno.openSync(file, { read: true, write: true }).close();
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue;
      const code = (error as { code?: unknown }).code;
      throw new DbFilesUnwritableError(
        `${file} cannot be written (${
          describeError(error)
        }): lift the read-only condition (chattr -i, or remount read-write)`,
        typeof code === "string" ? code : undefined,
        { cause: error },
      );
    }
  }
}
