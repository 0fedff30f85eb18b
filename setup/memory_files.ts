import type { FileDeps } from "./file_deps.ts";

export type FileOp =
  | { op: "write"; path: string; mode?: number }
  | { op: "remove"; path: string }
  | { op: "mkdir"; path: string };

export interface MemoryFiles extends FileDeps {
  /** Current contents (strings as written; bytes kept as bytes). */
  readonly files: Map<string, string | Uint8Array>;
  readonly dirs: Set<string>;
  /** Mutating operations in order (reads and existence checks are not recorded). */
  readonly ops: FileOp[];
}

/** An in-memory `FileDeps` for tests. */
export function createMemoryFiles(initial: Record<string, string> = {}): MemoryFiles {
  const files = new Map<string, string | Uint8Array>(Object.entries(initial));
  const dirs = new Set<string>();
  const ops: FileOp[] = [];
  return {
    files,
    dirs,
    ops,
    writeFile(path, data, opts) {
      ops.push(
        opts?.mode === undefined ? { op: "write", path } : { op: "write", path, mode: opts.mode },
      );
      files.set(path, data);
      return Promise.resolve();
    },
    readTextFile(path) {
      const data = files.get(path);
      if (data === undefined) return Promise.resolve(null);
      return Promise.resolve(typeof data === "string" ? data : new TextDecoder().decode(data));
    },
    removeFile(path) {
      // Like Deno.remove: a directory goes only when nothing is in it.
      if (dirs.has(path)) {
        const inside = (p: string) => p.startsWith(`${path}/`);
        if ([...files.keys()].some(inside) || [...dirs].some(inside)) {
          return Promise.reject(new Error(`Cannot remove ${path}: directory not empty`));
        }
        dirs.delete(path);
      }
      ops.push({ op: "remove", path });
      files.delete(path);
      return Promise.resolve();
    },
    mkdir(path) {
      ops.push({ op: "mkdir", path });
      dirs.add(path);
      return Promise.resolve();
    },
    exists(path) {
      return Promise.resolve(files.has(path) || dirs.has(path));
    },
  };
}
