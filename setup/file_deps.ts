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

/** Real file operations on the local disk. */
export function createFileDeps(): FileDeps {
  return {
    async writeFile(path, data, opts) {
      const options = opts?.mode === undefined ? {} : { mode: opts.mode };
      if (typeof data === "string") await Deno.writeTextFile(path, data, options);
      else await Deno.writeFile(path, data, options);
    },
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
