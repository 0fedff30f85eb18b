import { joinPath } from "./_path.ts";

/** The file operations `ensureStateFile` needs; `denoStateFileFs` is the real disk. */
export interface StateFileFs {
  /** `null` when the file does not exist. */
  readTextFile(path: string): Promise<string | null>;
  writeTextFile(path: string, data: string, mode: number): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** Recursive; no error when it exists. */
  mkdir(path: string): Promise<void>;
  /** No error when it is gone. */
  remove(path: string): Promise<void>;
}

export const denoStateFileFs: StateFileFs = {
  async readTextFile(path) {
    try {
      return await Deno.readTextFile(path);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return null;
      throw err;
    }
  },
  async writeTextFile(path, data, mode) {
    await Deno.writeTextFile(path, data, { mode, createNew: true });
  },
  rename: (from, to) => Deno.rename(from, to),
  async mkdir(path) {
    await Deno.mkdir(path, { recursive: true });
  },
  async remove(path) {
    try {
      await Deno.remove(path);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
  },
};

export interface EnsureStateFileOptions {
  /** Permission bits of a new file (default 0o644). */
  mode?: number;
  fs?: StateFileFs;
}

/**
 * Makes `dir/name` hold exactly `content`: `"current"` when it already does, else writes a
 * temporary file beside it and renames it into place (`"written"`). Never a half-written
 * file: the files this is for (the Node preload, a CA file) are read by processes that
 * start while another `run` may be refreshing them, and Node refuses to start on a broken
 * `--require` file. Throws with the path when the directory or file cannot be written.
 */
export async function ensureStateFile(
  dir: string,
  name: string,
  content: string,
  opts: EnsureStateFileOptions = {},
): Promise<"current" | "written"> {
  const fs = opts.fs ?? denoStateFileFs;
  const path = joinPath(dir, name);
  try {
    if (await fs.readTextFile(path) === content) return "current";
    await fs.mkdir(dir);
    const temp = joinPath(dir, `.${name}.${crypto.randomUUID()}.tmp`);
    try {
      await fs.writeTextFile(temp, content, opts.mode ?? 0o644);
      await fs.rename(temp, path);
    } catch (err) {
      await fs.remove(temp).catch(() => {});
      throw err;
    }
    return "written";
  } catch (err) {
    throw new Error(`Cannot write ${path}: ${err instanceof Error ? err.message : err}`, {
      cause: err,
    });
  }
}
