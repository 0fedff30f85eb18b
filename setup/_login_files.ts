import type { FileDeps } from "./file_deps.ts";
import type { Shell } from "./render_shell_rc_block.ts";
import { joinPath } from "./_path.ts";

/** One file the login environment writes: a marked block in a shell's startup file. */
export interface RcTarget {
  shell: Shell;
  path: string;
}

export interface LoginFileLayout {
  userHome: string;
  /** `$XDG_CONFIG_HOME`, default `<userHome>/.config`. */
  configHome: string;
}

/** bash login shells read the first of these that exists, and only that one. */
const BASH_LOGIN_FILES = [".bash_profile", ".bash_login", ".profile"];

export function fishConfPath(l: LoginFileLayout): string {
  return joinPath(l.configHome, "fish", "conf.d", "halton-meter.fish");
}

export function environmentDPath(l: LoginFileLayout): string {
  return joinPath(l.configHome, "environment.d", "halton-meter.conf");
}

/** Every file a block may have been written to, whoever's shell it was: what `remove` scans. */
export function allRcCandidates(l: LoginFileLayout): string[] {
  return [
    joinPath(l.userHome, ".bashrc"),
    ...BASH_LOGIN_FILES.map((f) => joinPath(l.userHome, f)),
    joinPath(l.userHome, ".zshrc"),
    fishConfPath(l),
  ];
}

/** `/usr/bin/zsh` → `zsh`; anything that is not bash, zsh or fish → null. */
export function shellName(loginShell: string | undefined): Shell | null {
  const base = (loginShell ?? "").split(/[\\/]/).pop() ?? "";
  return base === "bash" || base === "zsh" || base === "fish" ? base : null;
}

/**
 * Which startup files get the block. A shell is "wanted" when it is listed in `shells`, or
 * (without `shells`) when it is the login shell; a wanted shell's file is created when
 * missing. Files of other shells that already exist are updated too, so a user who
 * switches shells later is still covered, but we never create files for shells nobody
 * uses.
 *
 * bash gets two files: `~/.bashrc` (interactive shells) and the login file it really reads
 * (`~/.bash_profile`, `~/.bash_login` or `~/.profile`, the first that exists; `~/.profile`
 * is created only for a wanted bash, since a new `~/.bash_profile` would shadow an existing
 * `~/.profile`). zsh reads `~/.zshrc` in every interactive shell, login or not; fish
 * sources every file in `conf.d`, so it gets its own file there.
 */
export async function rcTargets(
  l: LoginFileLayout,
  files: FileDeps,
  wanted: (shell: Shell) => boolean,
): Promise<RcTarget[]> {
  const targets: RcTarget[] = [];
  const bashrc = joinPath(l.userHome, ".bashrc");
  const bashWanted = wanted("bash");
  if (bashWanted || await files.exists(bashrc)) {
    targets.push({ shell: "bash", path: bashrc });
    let login: string | null = null;
    for (const name of BASH_LOGIN_FILES) {
      const path = joinPath(l.userHome, name);
      if (await files.exists(path)) {
        login = path;
        break;
      }
    }
    if (login === null && bashWanted) login = joinPath(l.userHome, ".profile");
    if (login !== null) targets.push({ shell: "bash", path: login });
  }
  const zshrc = joinPath(l.userHome, ".zshrc");
  if (wanted("zsh") || await files.exists(zshrc)) targets.push({ shell: "zsh", path: zshrc });
  if (wanted("fish") || await files.exists(joinPath(l.configHome, "fish"))) {
    targets.push({ shell: "fish", path: fishConfPath(l) });
  }
  return targets;
}

/** The parent directory of a path written with `joinPath`. */
export function parentDir(path: string): string {
  const cut = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return cut <= 0 ? path : path.slice(0, cut);
}

/**
 * Makes `dir` (and missing ancestors up to `stopAt`) exist; returns the directories it
 * created, outermost first, so they can be listed in `created` and removed again.
 */
export async function ensureDir(files: FileDeps, dir: string, stopAt: string): Promise<string[]> {
  const missing: string[] = [];
  let cur = dir;
  while (cur.length > stopAt.length && !(await files.exists(cur))) {
    missing.unshift(cur);
    const up = parentDir(cur);
    if (up === cur) break;
    cur = up;
  }
  for (const d of missing) await files.mkdir(d);
  return missing;
}
