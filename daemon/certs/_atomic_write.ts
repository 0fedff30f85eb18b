import { getRandomValues } from "node:crypto";

export interface AtomicWriteOptions {
  /** File mode for the new file (ignored on Windows). */
  mode: number;
  /**
   * When true, never replace an existing file: the write is published with a hard link,
   * which fails atomically if the target exists. Returns false in that case.
   */
  noClobber?: boolean;
}

/**
 * Writes `text` to `path` so readers see either nothing (or the old file) or the complete
 * new content: a synced temp file in the same directory, then link/rename into place.
 * Returns false only when `noClobber` is set and `path` already exists.
 */
export async function writeFileAtomic(
  path: string,
  text: string,
  options: AtomicWriteOptions,
): Promise<boolean> {
  const suffix = Array.from(getRandomValues(new Uint8Array(6)), (b) => b.toString(16)).join("");
  const tmp = `${path}.tmp-${suffix}`;
  const file = await Deno.open(tmp, { write: true, createNew: true, mode: options.mode });
  try {
    await file.write(new TextEncoder().encode(text));
    await file.sync();
  } finally {
    file.close();
  }
  try {
    if (Deno.build.os !== "windows") await Deno.chmod(tmp, options.mode);
    if (!options.noClobber) {
      await Deno.rename(tmp, path);
      return true;
    }
    try {
      await Deno.link(tmp, path);
      return true;
    } catch (err) {
      if (err instanceof Deno.errors.AlreadyExists) return false;
      // Filesystems without hard links: fall back to check-then-rename (a tiny race window).
      if (await exists(path)) return false;
      await Deno.rename(tmp, path);
      return true;
    }
  } finally {
    await Deno.remove(tmp).catch(() => {});
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}
