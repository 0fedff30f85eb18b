import { cleanProject } from "./_clean_project.ts";

export interface CwdProjectDeps {
  /** True when anything (directory, file, link) exists at `path`. */
  exists(path: string): Promise<boolean>;
  /** The user's home directory, when known: never a project itself. */
  homeDir: string | null;
  /** More directories that name no project (e.g. the temp directory). */
  otherRoots?: readonly string[];
}

/** Directories a process sits in without being "in" a project. */
const ROOTS = ["/", "/tmp", "/var/tmp", "/private/tmp", "/private/var/tmp", "/home", "/Users"];

function normalize(path: string): string | null {
  // Linux marks a working directory removed under the process " (deleted)".
  const p = path.replace(/ \(deleted\)$/, "");
  if (!p.startsWith("/")) return null;
  const parts = p.split("/").filter((s) => s !== "" && s !== ".");
  if (parts.includes("..")) return null;
  return "/" + parts.join("/");
}

const parentOf = (dir: string) => dir.slice(0, dir.lastIndexOf("/")) || "/";
const baseName = (dir: string) => dir.slice(dir.lastIndexOf("/") + 1);

/**
 * The project a working directory belongs to: the base name of the nearest enclosing
 * directory that holds a `.git` (a directory in a clone, a file in a worktree or submodule);
 * without one, the directory's own base name. Null for directories that name nothing: `/`,
 * top-level directories, the home directory and its parent, temp roots (and a `.git` found
 * only there, like a dotfiles repository in the home directory, does not count). Names pass
 * the same rules as every other project source (`cleanProject`). Never throws.
 */
export async function projectFromCwd(cwd: string, deps: CwdProjectDeps): Promise<string | null> {
  const dir = normalize(cwd);
  if (dir === null) return null;
  const roots = new Set(ROOTS);
  const home = deps.homeDir === null ? null : normalize(deps.homeDir);
  if (home !== null) {
    roots.add(home);
    roots.add(parentOf(home));
  }
  for (const r of deps.otherRoots ?? []) {
    const n = normalize(r);
    if (n !== null) roots.add(n);
  }
  for (let d = dir; !roots.has(d) && d !== "/"; d = parentOf(d)) {
    let found = false;
    try {
      found = await deps.exists(`${d}/.git`);
    } catch {
      found = false;
    }
    if (found) return cleanProject(baseName(d));
  }
  // No repository: the directory itself, unless it is a root or sits directly under `/`.
  if (roots.has(dir) || parentOf(dir) === "/") return null;
  return cleanProject(baseName(dir));
}
