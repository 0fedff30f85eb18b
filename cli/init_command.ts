/**
 * CLI registration of `init`, `onboard` (= `init --apps`) and `uninstall`. Arguments are
 * parsed into typed options here; the work is in `init.ts` / `uninstall.ts`.
 */
import type { Command } from "commander";
import { type LaunchContext, resolveHome } from "../core/mod.ts";
import { type InstallMode, runInit } from "./init.ts";
import { createInitDeps, createUninstallDeps } from "./init_deps.ts";
import { runUninstall } from "./uninstall.ts";

interface InitFlags {
  apps?: boolean;
  full?: boolean;
  gui?: boolean;
  nonInteractive?: boolean;
  shellRc: boolean;
  clean?: boolean;
  supervisor?: string;
  python: string[];
}

const collect = (value: string, previous: string[]) => [...previous, value];
const print = (l: string) => console.log(l);
const printError = (l: string) => console.error(l);

/** The mode the flags ask for, or an error when they contradict each other. */
export function modeFromFlags(
  flags: Pick<InitFlags, "apps" | "full" | "gui">,
  defaultMode: InstallMode,
): { ok: true; mode: InstallMode } | { ok: false; error: string } {
  const full = flags.full === true || flags.gui === true;
  if (full && flags.apps) return { ok: false, error: "--apps and --full exclude each other" };
  if (full) return { ok: true, mode: "full" };
  if (flags.apps) return { ok: true, mode: "apps" };
  return { ok: true, mode: defaultMode };
}

async function init(
  flags: InitFlags,
  defaultMode: InstallMode,
  launch: LaunchContext,
): Promise<number> {
  if (flags.gui) printError("halton-meter init: --gui is deprecated; use --full (same thing)");
  const mode = modeFromFlags(flags, defaultMode);
  if (!mode.ok) {
    printError(`halton-meter init: ${mode.error}`);
    return 2;
  }
  const home = resolveHome(Deno.env);
  const deps = await createInitDeps({
    home,
    pythons: flags.python,
    nonInteractive: flags.nonInteractive ?? false,
    env: Deno.env,
    launch,
  });
  return await runInit({
    home,
    mode: mode.mode,
    shellRc: flags.shellRc,
    clean: flags.clean ?? false,
    supervisor: flags.supervisor,
    nonInteractive: flags.nonInteractive ?? false,
    print,
    printError,
  }, deps);
}

function initOptions(cmd: Command): Command {
  return cmd
    .option("--apps", "apps mode: also write the proxy environment for shells and login sessions")
    .option("--full", "full mode: apps mode plus the OS-wide system proxy")
    .option("--gui", "deprecated alias of --full")
    .option("--non-interactive", "never prompt (macOS: sudo instead of the admin dialog)")
    .option("--no-shell-rc", "apps/full: skip the shell rc blocks")
    .option("--clean", "roll back this run's changes if the self-test fails")
    .option("--supervisor <name>", "launchd, systemd, schtasks or direct (default: automatic)")
    .option("--python <path>", "also patch this interpreter's certifi (repeatable)", collect, []);
}

export function registerInitCommands(
  program: Command,
  setCode: (code: number) => void,
  launch: LaunchContext,
): void {
  initOptions(
    program.command("init").description(
      "wire Halton Meter into this machine: CA, trust, certifi, services, environment, self-test",
    ),
  ).action(async (flags: InitFlags) => setCode(await init(flags, "env-only", launch)));

  initOptions(program.command("onboard").description("friendly alias of init --apps"))
    .action(async (flags: InitFlags) => setCode(await init(flags, "apps", launch)));

  program
    .command("uninstall")
    .description("revert everything init changed (database, logs and CA stay unless --purge)")
    .option("--graceful", "leave the running edge up until reboot (apps keep a passthrough proxy)")
    .option("--purge", "also delete the state directory: database, logs, CA, config")
    .action(async (flags: { graceful?: boolean; purge?: boolean }) => {
      const home = resolveHome(Deno.env);
      const deps = await createUninstallDeps({
        home,
        pythons: [],
        nonInteractive: true,
        env: Deno.env,
        launch,
      });
      setCode(
        await runUninstall({
          home,
          graceful: flags.graceful ?? false,
          purge: flags.purge ?? false,
          print,
          printError,
        }, deps),
      );
    });
}
