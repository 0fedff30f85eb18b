import { type DbRow, isDbRow } from "./_db_row.ts";
import { describeError } from "./_describe_error.ts";

export interface SpoolAppendResult {
  written: number;
  dropped: number;
  error?: string;
}

export interface SpoolReadResult {
  rows: DbRow[];
  /** Lines that were not a valid row (a torn last line after a crash, hand edits). */
  invalid: number;
}

/** The append-only JSON-lines file that holds rows while the database refuses writes. */
export interface Spool {
  readonly path: string;
  /** Rows currently in the file, as counted at open plus appends since. */
  rows(): number;
  append(rows: readonly DbRow[]): SpoolAppendResult;
  /** Throws when the file exists but cannot be read. */
  readAll(): SpoolReadResult;
  /** Empties the file after a successful replay. Throws when it cannot. */
  clear(): void;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function readBytes(path: string): Uint8Array {
  try {
    return Deno.readFileSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return new Uint8Array();
    throw error;
  }
}

function countLines(bytes: Uint8Array): number {
  let lines = 0;
  let sawContent = false;
  for (const b of bytes) {
    if (b === 0x0a) {
      if (sawContent) lines++;
      sawContent = false;
    } else sawContent = true;
  }
  return sawContent ? lines + 1 : lines;
}

/**
 * Opens (without creating) the spool at `path`. Appends past `capBytes` are dropped
 * and reported, so a long outage cannot fill the disk. Sizes and counts are read once
 * here; a spool that cannot even be read counts as empty and reports on use.
 */
export function createSpool(path: string, capBytes: number): Spool {
  let bytes = 0;
  let rows = 0;
  // A crash mid-append can leave a line without its newline; the next append must
  // not glue its first row onto that torn line.
  let needsNewline = false;
  try {
    const existing = readBytes(path);
    bytes = existing.length;
    rows = countLines(existing);
    needsNewline = bytes > 0 && existing[bytes - 1] !== 0x0a;
  } catch {
    // Unreadable now; `readAll` will report the error when replay is attempted.
  }

  return {
    path,
    rows: () => rows,
    append(batch) {
      if (batch.length === 0) return { written: 0, dropped: 0 };
      const chunks: Uint8Array[] = [];
      let size = needsNewline ? 1 : 0;
      for (const row of batch) {
        const line = encoder.encode(JSON.stringify(row) + "\n");
        if (bytes + size + line.length > capBytes) break;
        chunks.push(line);
        size += line.length;
      }
      const full = batch.length - chunks.length;
      const capError = full > 0
        ? `spool ${path} is full (${capBytes} bytes); ${full} row(s) dropped`
        : undefined;
      if (chunks.length === 0) return { written: 0, dropped: full, error: capError };
      const out = new Uint8Array(size);
      let offset = 0;
      if (needsNewline) out[offset++] = 0x0a;
      for (const chunk of chunks) {
        out.set(chunk, offset);
        offset += chunk.length;
      }
      try {
        Deno.writeFileSync(path, out, { append: true, create: true, mode: 0o600 });
      } catch (error) {
        return {
          written: 0,
          dropped: batch.length,
          error: `Cannot append to spool ${path}: ${describeError(error)}`,
        };
      }
      needsNewline = false;
      bytes += size;
      rows += chunks.length;
      return { written: chunks.length, dropped: full, error: capError };
    },
    readAll() {
      const text = decoder.decode(readBytes(path));
      const result: SpoolReadResult = { rows: [], invalid: 0 };
      for (const line of text.split("\n")) {
        if (line.trim() === "") continue;
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch {
          result.invalid++;
          continue;
        }
        if (isDbRow(parsed)) result.rows.push(parsed);
        else result.invalid++;
      }
      return result;
    },
    clear() {
      try {
        Deno.truncateSync(path, 0);
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
      bytes = 0;
      rows = 0;
      needsNewline = false;
    },
  };
}
