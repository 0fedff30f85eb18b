import type { Command } from "commander";
import {
  DEFAULT_RELEASE_URL,
  type LaunchContext,
  RELEASE_URL_ENV,
  resolveHome,
} from "../../core/mod.ts";
import { createFileDeps } from "../../setup/mod.ts";
import { isPidAlive, probeHttp } from "../_probes.ts";
import { installedBackend } from "../start_stop.ts";
import { installRelease } from "./install_release.ts";
import { runUpgrade } from "./upgrade.ts";

/** Runs `path --version` for at most 30 s; null when it ran and exited 0. */
async function tryRun(path: string): Promise<string | null> {
  try {
    const child = new Deno.Command(path, {
      args: ["--version"],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    const out = await child.output();
    clearTimeout(timer);
    if (out.success) return null;
    const said = new TextDecoder().decode(out.stderr).trim().split("\n")[0] ?? "";
    return `--version exited ${out.signal ?? out.code}${said ? `: ${said}` : ""}`;
  } catch (err) {
    return (err as Error).message;
  }
}

/** `upgrade` on the CLI. */
export function registerUpgradeCommand(
  program: Command,
  setCode: (code: number) => void,
  launch: LaunchContext,
): void {
  program
    .command("upgrade")
    .description(
      "install the latest (or --version) release over this binary and restart the daemon on it",
    )
    .option("--version <version>", "install this release instead of the latest")
    .option("--prefix <dir>", "install into DIR/halton-meter instead of over this binary")
    .action(async (o: { version?: string; prefix?: string }) => {
      const home = resolveHome(Deno.env);
      const files = createFileDeps();
      const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
      setCode(
        await runUpgrade({
          home,
          version: o.version,
          prefix: o.prefix,
          launch,
          releaseUrl: Deno.env.get(RELEASE_URL_ENV) || DEFAULT_RELEASE_URL,
          target: Deno.build.target,
          os: Deno.build.os,
          print: (l) => console.log(l),
          printError: (l) => console.error(l),
        }, {
          install: (opts) => installRelease(opts, { fetch, tryRun }),
          installedBackend: () =>
            installedBackend({ home, os: Deno.build.os, env: Deno.env, files }),
          lifecycle: (backend) => ({
            backend,
            isAlive: isPidAlive,
            probeHttp: (port, path) => probeHttp(port, path),
            sleep,
            now: Date.now,
            launch,
          }),
        }),
      );
    });
}
