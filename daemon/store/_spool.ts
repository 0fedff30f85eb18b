import { type DbRow, isDbRow } from "./_db_row.ts";
import { describeError } from "./_describe_error.ts";
import { openSpoolFile, type SpoolFile } from "./_spool_file.ts";

export interface SpoolAppendResult {
  /** Rows written, from the start of the batch; the rest were not. */
  written: number;
  error?: string;
  /** The failed write's errno-style code (`ENOSPC`, `EPERM`, ...), when it had one. */
  code?: string;
}

export interface SpoolReadResult {
  rows: DbRow[];
  /** Lines that were not a valid row (a torn last line after a crash, hand edits). */
  invalid: number;
}

export interface SpoolOptions {
  /** Bytes of rows the file may hold; rows past it are refused (the caller keeps them). */
  capBytes: number;
  /** Bytes kept allocated for the file even when empty, so rows fit when the disk is full. */
  reserveBytes: number;
  openFile?: (path: string) => SpoolFile;
}

/**
 * The JSON-lines file that holds rows not yet in the database: the journal of recent rows
 * (a process kill loses none of them) and the spool of rows the database refused. The
 * file keeps `reserveBytes` allocated: the space past the last row is filled with newlines
 * (blank lines, which every reader of the format skips) and rows are written over them, so
 * a full disk does not stop them. Emptying it blanks the rows instead of truncating.
 */
export interface Spool {
  readonly path: string;
  /** Rows in the file. */
  rows(): number;
  /** Bytes of rows in the file (the rest of it is reserve). */
  usedBytes(): number;
  /** The file's size: reserve plus rows past it. */
  sizeBytes(): number;
  append(rows: readonly DbRow[]): SpoolAppendResult;
  /** Throws when the file exists but cannot be read. */
  readAll(): SpoolReadResult;
  /**
   * The rows in batches of `size`, parsed one batch at a time, so a replay that fails on
   * its first batch has not parsed the whole file. Throws when the file cannot be read.
   */
  readBatches(size: number): Iterable<SpoolReadResult>;
  /** Empties the file after its rows reached the database, keeping the reserve. Throws. */
  clear(): void;
  /** Grows the file to the reserve if it is short of it (best effort). */
  ensureReserve(): void;
  close(): void;
}

const encoder = new TextEncoder();
const NL = 0x0a;
const CHUNK = 1 << 16;
/** Bytes read at a time for a replay: one that fails at its first batch reads little. */
const READ_CHUNK = 1 << 20;
const BLANK = new Uint8Array(CHUNK).fill(NL);

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** Index of the last byte that is not a newline, or -1; word by word over the reserve. */
function lastNonNewline(bytes: Uint8Array): number {
  let i = bytes.length - 1;
  while (i >= 0 && (i + 1) % 4 !== 0) {
    if (bytes[i] !== NL) return i;
    i--;
  }
  if (i >= 3 && bytes.byteOffset % 4 === 0) {
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset, (i + 1) >> 2);
    let w = words.length - 1;
    while (w >= 0 && words[w] === 0x0a0a0a0a) w--;
    i = w * 4 + 3;
  }
  while (i >= 0 && bytes[i] === NL) i--;
  return i;
}

/** Where rows end in `bytes`: after the newline that ends the last non-blank line. */
function scan(bytes: Uint8Array): { end: number; rows: number; torn: boolean } {
  const last = lastNonNewline(bytes);
  if (last < 0) return { end: 0, rows: 0, torn: false };
  let rows = 0;
  let inLine = false;
  for (let i = 0; i <= last; i++) {
    if (bytes[i] === NL) inLine = false;
    else if (!inLine) {
      inLine = true;
      rows++;
    }
  }
  const torn = last + 1 >= bytes.length;
  return { end: torn ? last + 1 : last + 2, rows, torn };
}

/** Adds one spool line to `batch`: a row, or a count of unreadable lines. */
function parseLine(line: string, batch: SpoolReadResult): void {
  if (line.trim() === "") return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    batch.invalid++;
    return;
  }
  if (isDbRow(parsed)) batch.rows.push(parsed);
  else batch.invalid++;
}

/**
 * Opens the spool at `path` (creating it) and tops up its reserve. A file that cannot be
 * opened now is retried at the next append; its errors are reported there.
 */
export function createSpool(path: string, options: SpoolOptions): Spool {
  const open = options.openFile ?? openSpoolFile;
  let file: SpoolFile | null = null;
  let size = 0;
  /** Where the next row goes: just past the last row's newline. */
  let end = 0;
  /** How far rows (or a failed write) reached since the last clear: what clear must blank. */
  let dirty = 0;
  let rows = 0;
  // A crash mid-write can leave a last line without its newline; the next row must not
  // be glued onto it.
  let torn = false;
  /** After close(), each use opens the file and closes it again (rows after close). */
  let closed = false;

  function release(): void {
    if (!closed) return;
    try {
      file?.close();
    } catch { /* already closed */ }
    file = null;
  }

  function attach(): SpoolFile {
    if (file) return file;
    const f = open(path);
    const bytes = f.read(0, f.size());
    size = bytes.length;
    const s = scan(bytes);
    end = s.end;
    dirty = end;
    rows = s.rows;
    torn = s.torn;
    file = f;
    return f;
  }

  /** Overwrites [from, to) with newlines; it writes inside the file, so needs no new space. */
  function blank(f: SpoolFile, from: number, to: number): void {
    for (let at = from; at < to; at += CHUNK) {
      f.write(at, BLANK.subarray(0, Math.min(CHUNK, to - at)));
    }
  }

  function encode(lines: readonly Uint8Array[], lead: boolean): Uint8Array {
    const out = new Uint8Array(lines.reduce((n, l) => n + l.length, lead ? 1 : 0));
    let at = 0;
    if (lead) out[at++] = NL;
    for (const l of lines) {
      out.set(l, at);
      at += l.length;
    }
    return out;
  }

  /** Writes `lines` at `end`; on failure blanks whatever part of them landed. */
  function put(f: SpoolFile, lines: readonly Uint8Array[]): void {
    const bytes = encode(lines, torn);
    try {
      f.write(end, bytes);
    } catch (error) {
      try {
        size = f.size();
        const landed = Math.min(end + bytes.length, size);
        dirty = Math.max(dirty, landed);
        blank(f, end, landed);
      } catch {
        // The part that landed is a torn line: replay counts it as unreadable, no more.
      }
      throw error;
    }
    end += bytes.length;
    dirty = Math.max(dirty, end);
    size = Math.max(size, end);
    rows += lines.length;
    torn = false;
  }

  const spool: Spool = {
    path,
    rows: () => rows,
    usedBytes: () => end,
    sizeBytes: () => size,
    append(batch) {
      try {
        return appendRows(batch);
      } finally {
        release();
      }
    },
    readAll() {
      const result: SpoolReadResult = { rows: [], invalid: 0 };
      for (const batch of spool.readBatches(Infinity)) {
        result.rows.push(...batch.rows);
        result.invalid += batch.invalid;
      }
      return result;
    },
    readBatches(size) {
      return readBatches(size);
    },
    clear() {
      try {
        clearRows();
      } finally {
        release();
      }
    },
    ensureReserve() {
      let f: SpoolFile;
      try {
        f = attach();
      } catch {
        return;
      }
      try {
        while (size < options.reserveBytes) {
          const n = Math.min(CHUNK, options.reserveBytes - size);
          f.write(size, BLANK.subarray(0, n));
          size += n;
        }
      } catch {
        try {
          size = f.size();
        } catch { /* keep the last known size */ }
      } finally {
        release();
      }
    },
    close() {
      closed = true;
      release();
    },
  };

  function appendRows(batch: readonly DbRow[]): SpoolAppendResult {
    if (batch.length === 0) return { written: 0 };
    let f: SpoolFile;
    try {
      f = attach();
    } catch (error) {
      return {
        written: 0,
        error: `Cannot open spool ${path}: ${describeError(error)}`,
        code: errorCode(error),
      };
    }
    const lines: Uint8Array[] = [];
    let bytes = torn ? 1 : 0;
    for (const row of batch) {
      const line = encoder.encode(JSON.stringify(row) + "\n");
      if (end + bytes + line.length > options.capBytes) break;
      lines.push(line);
      bytes += line.length;
    }
    // Rows that fit in the space the file already holds go first, in their own write:
    // those cannot fail for want of space, whatever happens to the rest.
    let inside = 0;
    for (let b = end + (torn ? 1 : 0); inside < lines.length; inside++) {
      b += lines[inside].length;
      if (b > size) break;
    }
    let written = 0;
    try {
      if (inside > 0) put(f, lines.slice(0, inside));
      written = inside;
      if (inside < lines.length) put(f, lines.slice(inside));
      written = lines.length;
    } catch (error) {
      return {
        written,
        error: `Cannot append to spool ${path}: ${describeError(error)}`,
        code: errorCode(error),
      };
    }
    if (written < batch.length) {
      return {
        written,
        error: `spool ${path} is full (${options.capBytes} bytes); ${
          batch.length - written
        } row(s) kept in memory`,
      };
    }
    return { written };
  }

  /** Reads the rows a chunk at a time and parses them a batch at a time. */
  function* readBatches(size: number): Generator<SpoolReadResult> {
    try {
      const f = attach();
      const stop = end;
      const dec = new TextDecoder();
      let carry = "";
      let batch: SpoolReadResult = { rows: [], invalid: 0 };
      for (let at = 0; at < stop; at += READ_CHUNK) {
        const more = at + READ_CHUNK < stop;
        const lines = (carry + dec.decode(f.read(at, Math.min(READ_CHUNK, stop - at)), {
          stream: more,
        })).split("\n");
        carry = more ? lines.pop() ?? "" : "";
        for (const line of lines) {
          parseLine(line, batch);
          if (batch.rows.length >= size) {
            yield batch;
            batch = { rows: [], invalid: 0 };
          }
        }
      }
      if (batch.rows.length > 0 || batch.invalid > 0) yield batch;
    } finally {
      release();
    }
  }

  function clearRows(): void {
    const f = attach();
    // Rows already in the database may be blanked in any order: a crash half way leaves
    // rows that a replay inserts again, and INSERT OR IGNORE makes that harmless.
    if (size > options.reserveBytes) {
      f.truncate(options.reserveBytes);
      size = options.reserveBytes;
    }
    blank(f, 0, Math.min(dirty, size));
    end = 0;
    dirty = 0;
    rows = 0;
    torn = false;
  }

  spool.ensureReserve();
  return spool;
}
