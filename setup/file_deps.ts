import { writeFileAtomic } from "../core/mod.ts";

/** The file operations the backends need; a fake (`createMemoryFiles`) records them for tests. */
export interface FileDeps {
  /** Creates or replaces the file (and nothing else: the parent must exist). */
  writeFile(path: string, data: string | Uint8Array, opts?: { mode?: number }): Promise<void>;
  /** `null` when the file does not exist. */
  readTextFile(path: string): Promise<string | null>;
  /** No error when the file is already gone. */
  removeFile(path: string): Promise<void>;
  /** Recursive; no error when it exists. */
  mkdir(path: string): Promise<void>;
  exists(path: string): Promise<boolean>;
}

/**
 * Creates or replaces `path` so that a reader, a crash or a full disk never sees it half
 * written (a truncated `.bashrc` or unit file would break the user's shell or service):
 * `writeFileAtomic`. A symlinked file (dotfile managers link rc files) is replaced at its target
 * and stays a link; an existing file keeps its permission bits unless `mode` is given. A
 * dangling link, or a writable file in a directory we may not create files in, is written in
 * place.
 */
export async function writeFileReplacing(
  path: string,
  data: string | Uint8Array,
  opts?: { mode?: number },
): Promise<void> {
  let target = path;
  try {
    target = await Deno.realPath(path);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) {
      throw new Error(`Cannot write ${path}: ${String(err)}`, { cause: err });
    }
    if (await Deno.lstat(path).then((i) => i.isSymlink, () => false)) {
      const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
      await Deno.writeFile(path, bytes, opts?.mode === undefined ? {} : { mode: opts.mode });
      return;
    }
  }
  await writeFileAtomic(target, data, { mode: opts?.mode, inPlaceWhenDirLocked: true });
}

/** Real file operations on the local disk. */
export function createFileDeps(): FileDeps {
  return {
    writeFile: writeFileReplacing,
    async readTextFile(path) {
      try {
        return await Deno.readTextFile(path);
      } catch (err) {
        if (err instanceof Deno.errors.NotFound) return null;
        throw new Error(`Cannot read ${path}: ${String(err)}`, { cause: err });
      }
    },
    async removeFile(path) {
      try {
        await Deno.remove(path);
      } catch (err) {
        if (err instanceof Deno.errors.NotFound) return;
        throw new Error(`Cannot remove ${path}: ${String(err)}`, { cause: err });
      }
    },
    async mkdir(path) {
      await Deno.mkdir(path, { recursive: true });
    },
    async exists(path) {
      try {
        await Deno.lstat(path);
        return true;
      } catch (err) {
        if (err instanceof Deno.errors.NotFound) return false;
        throw new Error(`Cannot check ${path}: ${String(err)}`, { cause: err });
      }
    },
  };
}
