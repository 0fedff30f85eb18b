/**
 * The few file operations the spool needs, behind an interface so tests can model a disk
 * that fills up (a write that would grow the file fails, a write inside it succeeds, which
 * is what a real filesystem does with blocks a file already holds).
 */
export interface SpoolFile {
  /** The file's size in bytes now. */
  size(): number;
  /** Up to `length` bytes from `offset` (fewer at the end of the file). */
  read(offset: number, length: number): Uint8Array;
  /** Writes all of `bytes` at `offset`. Throws (ENOSPC, EIO, ...) when it cannot. */
  write(offset: number, bytes: Uint8Array): void;
  truncate(length: number): void;
  close(): void;
}

/** Opens (creating, mode 0600) `path` for positional reads and writes. Throws. */
export function openSpoolFile(path: string): SpoolFile {
  const file = Deno.openSync(path, { read: true, write: true, create: true, mode: 0o600 });
  return {
    size: () => file.statSync().size,
    read(offset, length) {
      file.seekSync(offset, Deno.SeekMode.Start);
      const out = new Uint8Array(length);
      let got = 0;
      while (got < length) {
        const n = file.readSync(out.subarray(got));
        if (n === null || n === 0) break;
        got += n;
      }
      return out.subarray(0, got);
    },
    write(offset, bytes) {
      file.seekSync(offset, Deno.SeekMode.Start);
      let done = 0;
      while (done < bytes.length) done += file.writeSync(bytes.subarray(done));
    },
    truncate: (length) => file.truncateSync(length),
    close: () => file.close(),
  };
}
