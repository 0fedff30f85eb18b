/**
 * Runs `init` and `uninstall` against a fake `World` (see `_init_fakes.ts`) and collects what
 * they printed and which machine events they caused, for the orchestration tests.
 */
import { type InstallMode, runInit } from "./init.ts";
import { runUninstall } from "./uninstall.ts";
import { HOME, type World } from "./_init_fakes.ts";

export interface Run {
  code: number;
  out: string[];
  err: string[];
  events: string[];
}

export async function init(
  w: World,
  mode: InstallMode,
  extra: { clean?: boolean; shellRc?: boolean; supervisor?: string } = {},
): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const from = w.events.length;
  const code = await runInit({
    home: HOME,
    mode,
    shellRc: extra.shellRc ?? true,
    clean: extra.clean ?? false,
    supervisor: extra.supervisor,
    print: (l) => out.push(l),
    printError: (l) => err.push(l),
  }, w.initDeps());
  return { code, out, err, events: w.events.slice(from) };
}

export async function uninstall(
  w: World,
  flags: { graceful?: boolean; purge?: boolean } = {},
): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const from = w.events.length;
  const code = await runUninstall({
    home: HOME,
    graceful: flags.graceful ?? false,
    purge: flags.purge ?? false,
    print: (l) => out.push(l),
    printError: (l) => err.push(l),
  }, w.uninstallDeps());
  return { code, out, err, events: w.events.slice(from) };
}

/** A file's text in the world's memory files, or undefined. */
export function text(w: World, path: string): string | undefined {
  const v = w.files.files.get(path);
  return typeof v === "string" ? v : undefined;
}

/** The stored `system_state.json`, parsed. */
export function state(w: World) {
  return JSON.parse(text(w, `${HOME}/system_state.json`) ?? "null");
}
