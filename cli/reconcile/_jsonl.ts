/**
 * JSON-lines files for reconcile: found under a directory (recursively, skipping files not
 * written since a time), read a line at a time without holding a whole file in memory, and
 * the field readers and empty scan both log readers (Claude Code, Codex) start from.
 */
import type { LogScan } from "./types.ts";

export interface JsonlLine {
  /** 1-based. */
  line: number;
  /** The parsed value; undefined when the line is not JSON (a torn last line, say). */
  value: unknown;
}

/** `.jsonl` files under `dir` whose name passes `accept`, sorted; `[]` when `dir` is missing. */
export async function jsonlFiles(
  dir: string,
  opts: { modifiedSince?: number; accept?: (name: string) => boolean } = {},
): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(d));
    } catch (err) {
      if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory) return;
      throw err;
    }
    for (const e of entries) {
      const path = `${d}/${e.name}`;
      if (e.isDirectory) await walk(path);
      else if (e.isFile && e.name.endsWith(".jsonl") && (opts.accept?.(e.name) ?? true)) {
        if (opts.modifiedSince !== undefined) {
          // A file last written before the span holds nothing in it.
          const mtime = (await Deno.stat(path)).mtime?.getTime();
          if (mtime !== undefined && mtime < opts.modifiedSince) continue;
        }
        out.push(path);
      }
    }
  };
  await walk(dir.replace(/\/+$/, ""));
  return out.sort();
}

/** Each non-blank line of a file, parsed. */
export async function* readJsonl(path: string): AsyncGenerator<JsonlLine> {
  // The stream closes the file when it ends, or when the caller stops early.
  const file = await Deno.open(path);
  const decoder = new TextDecoder();
  let rest = "";
  let n = 0;
  const parse = (text: string): JsonlLine | null => {
    n++;
    if (text.trim() === "") return null;
    try {
      return { line: n, value: JSON.parse(text) };
    } catch {
      return { line: n, value: undefined };
    }
  };
  for await (const chunk of file.readable) {
    const parts = (rest + decoder.decode(chunk, { stream: true })).split("\n");
    rest = parts.pop() ?? "";
    for (const part of parts) {
      const l = parse(part);
      if (l) yield l;
    }
  }
  rest += decoder.decode();
  if (rest !== "") {
    const l = parse(rest);
    if (l) yield l;
  }
}

/** A plain object (not null, not an array): a JSON line's record or one of its fields. */
export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
/** A count from a log line; 0 when absent or not a finite number. */
export const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);
/** A text field from a log line; null when absent or empty. */
export const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : null);

/** A scan of `files` files that has read nothing yet. */
export function emptyScan(files: number): LogScan {
  return { files, lines: 0, unreadable: 0, entries: 0, duplicates: 0, synthetic: 0, calls: [] };
}
