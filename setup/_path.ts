import { fileURLToPath } from "node:url";

/**
 * Joins with the separator the directory already uses, so Windows paths rendered on a
 * POSIX test machine (and the reverse) stay consistent.
 */
export function joinPath(dir: string, ...names: string[]): string {
  const sep = dir.includes("\\") && !dir.includes("/") ? "\\" : "/";
  let out = dir;
  for (const name of names) {
    out = out.endsWith(sep) ? out + name : out + sep + name;
  }
  return out;
}

/** Accepts a `file:` URL (like `Deno.mainModule`) or a path; returns a path. */
export function toPath(pathOrUrl: string): string {
  if (!pathOrUrl.startsWith("file:")) return pathOrUrl;
  // Decide the flavour from the URL itself, not from the machine running this code.
  const windows = /^file:\/\/\/[A-Za-z]:/.test(pathOrUrl) ||
    /^file:\/\/[^/]/.test(pathOrUrl);
  return fileURLToPath(pathOrUrl, { windows });
}

export function isAbsolutePath(path: string): boolean {
  return path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith("\\\\");
}
