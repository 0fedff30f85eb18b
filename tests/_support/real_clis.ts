/**
 * The real LLM CLIs the black-box tests drive, installed (pinned, from npm) by
 * scripts/ensure_clis.sh into .tools/clis. A CLI that could not be installed is skipped by
 * its tests with the reason, never passed.
 */
import { MAIN } from "./role_process.ts";
import { SOURCE_PERMISSIONS } from "../../setup/mod.ts";

const DIR = new URL("../../.tools/clis/", import.meta.url).pathname;

export type RealCli = { ok: true; path: string } | { ok: false; reason: string };

export function realCli(bin: "claude" | "codex" | "gemini"): RealCli {
  const path = `${DIR}node_modules/.bin/${bin}`;
  try {
    Deno.statSync(path);
    return { ok: true, path };
  } catch {
    let reason = `${bin} is not installed in ${DIR}: run scripts/ensure_clis.sh`;
    try {
      reason = Deno.readTextFileSync(`${DIR}${bin}.skip`).trim();
    } catch { /* no recorded reason */ }
    return { ok: false, reason };
  }
}

/** Prints why a real-CLI test is skipped; returns whether to ignore it. */
export function skipUnless(cli: RealCli, test: string): boolean {
  if (!cli.ok) console.warn(`SKIPPED ${test}: ${cli.reason}`);
  return !cli.ok;
}

/**
 * The environment a real CLI runs in: its own HOME (it writes settings and logs there), no
 * telemetry, and Deno's cache where it already is (so `main.ts run` does not download again).
 */
export function cliEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  const realHome = Deno.env.get("HOME") ?? "/root";
  return {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: home,
    DENO_DIR: Deno.env.get("DENO_DIR") ?? `${realHome}/.cache/deno`,
    NO_COLOR: "1",
    DISABLE_TELEMETRY: "1",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    ...extra,
  };
}

export interface CliRun {
  code: number;
  ms: number;
  /** stdout, then stderr. */
  text: string;
}

/**
 * `main.ts run [--project P] -- <cli> <args>` in `cliEnv(home, env)` (nothing else of the
 * test's environment), stdin closed, against the meter whose state is `meterHome`.
 */
export async function runCliThroughMeter(opts: {
  meterHome: string;
  cli: string;
  args: string[];
  home: string;
  project?: string;
  env?: Record<string, string>;
  cwd?: string;
}): Promise<CliRun> {
  await Deno.mkdir(opts.home, { recursive: true });
  const t0 = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      ...SOURCE_PERMISSIONS,
      MAIN,
      "run",
      ...(opts.project === undefined ? [] : ["--project", opts.project]),
      "--",
      opts.cli,
      ...opts.args,
    ],
    env: cliEnv(opts.home, { HALTON_METER_HOME: opts.meterHome, ...opts.env }),
    clearEnv: true,
    cwd: opts.cwd,
    stdin: "null", // the CLIs wait for stdin otherwise
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    ms: performance.now() - t0,
    text: new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr),
  };
}
