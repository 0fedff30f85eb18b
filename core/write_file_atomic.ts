/**
 * Writes a file so that readers, a crash or a full disk see either the old file (or none) or
 * the whole new one: the bytes go to a synced temporary file beside it (hidden:
 * `.<name>.<random>.tmp`, so a directory a service manager or shell reads never shows a
 * half-written file under a name it loads), which is then renamed (or linked) into place.
 */

export interface AtomicWriteOptions {
  /**
   * Permission bits of the file (ignored on Windows); default: those of the file it replaces,
   * or a new file's (0o666 & ~umask).
   */
  mode?: number;
  /**
   * Never replace an existing file: the write is published with a hard link, which fails
   * atomically if the target exists. Returns false in that case.
   */
  noClobber?: boolean;
  /**
   * When no temporary file may be created beside it (a directory we may not add to) but the
   * file itself may be written, write it in place (not atomic) instead of failing.
   */
  inPlaceWhenDirLocked?: boolean;
}

/** Writes `data` to `path` atomically; false only when `noClobber` is set and `path` exists. */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<boolean> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const mode = options.mode ?? await existingMode(path);
  const slash = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  const tmp = `${path.slice(0, slash + 1)}.${path.slice(slash + 1)}.${
    crypto.randomUUID().slice(0, 8)
  }.tmp`;
  let file: Deno.FsFile;
  try {
    file = await Deno.open(tmp, { write: true, createNew: true, mode: mode ?? 0o666 });
  } catch (err) {
    if (!(options.inPlaceWhenDirLocked && err instanceof Deno.errors.PermissionDenied)) throw err;
    await Deno.writeFile(path, bytes, options.mode === undefined ? {} : { mode: options.mode });
    return true;
  }
  try {
    try {
      let done = 0;
      while (done < bytes.length) done += await file.write(bytes.subarray(done));
      await file.sync();
    } finally {
      file.close();
    }
    if (mode !== undefined && Deno.build.os !== "windows") await Deno.chmod(tmp, mode);
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

/** The permission bits of the file at `path`; undefined when there is none. */
async function existingMode(path: string): Promise<number | undefined> {
  try {
    const bits = (await Deno.stat(path)).mode;
    return bits === null ? undefined : bits & 0o7777;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
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
