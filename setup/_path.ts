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

/**
 * Accepts a `file:` URL (like `Deno.mainModule`) or a path; returns a path. The flavour
 * comes from the URL itself (`file:///C:/...` is a Windows path), not from the machine
 * running this code, so Windows entries can be rendered and tested anywhere.
 */
export function toPath(pathOrUrl: string): string {
  if (!pathOrUrl.startsWith("file:")) return pathOrUrl;
  const url = new URL(pathOrUrl);
  const path = decodeURIComponent(url.pathname);
  if (url.hostname !== "") return `\\\\${url.hostname}${path.replaceAll("/", "\\")}`;
  if (/^\/[A-Za-z]:\//.test(path)) return path.slice(1).replaceAll("/", "\\");
  return path;
}

export function isAbsolutePath(path: string): boolean {
  return path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith("\\\\");
}
