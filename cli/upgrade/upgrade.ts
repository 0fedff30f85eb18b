/**
 * `halton-meter upgrade [--version V] [--prefix DIR]`: installs a release over the running
 * binary (installRelease: verified, one rename), then restarts the daemon and the watchdog
 * through the service manager, so they run the new binary. The edge is left alone: it keeps
 * its port and the connections through it, serving from the binary it started with (the old
 * file stays readable to it after the rename) until its next start — login or reboot.
 * While the daemon drains and restarts, the edge tunnels provider traffic raw: no request
 * fails; calls in that window go unmetered (README, "Upgrading").
 */
import {
  homePaths,
  isTarget,
  type LaunchContext,
  readEffectivePorts,
  type Target,
} from "../../core/mod.ts";
import type { ServiceBackend } from "../../setup/mod.ts";
import { readPidFile } from "../_probes.ts";
import { type LifecycleDeps, runStart } from "../start_stop.ts";
import type { InstallOutcome, InstallReleaseOptions } from "./install_release.ts";

export interface UpgradeOptions {
  home: string;
  version?: string;
  /** Install into `<prefix>/halton-meter` instead of over the running binary. */
  prefix?: string;
  launch: LaunchContext;
  releaseUrl: string;
  /** `Deno.build.target`. */
  target: string;
  os: string;
  print: (line: string) => void;
  printError: (line: string) => void;
}

export interface UpgradeDeps {
  install(opts: InstallReleaseOptions): Promise<InstallOutcome>;
  /** The backend `init` installed the roles with; null when none is. */
  installedBackend(): Promise<ServiceBackend | null>;
  /** What `start` needs, around that backend. */
  lifecycle(backend: ServiceBackend): LifecycleDeps;
}

/** Where the new binary goes: `--prefix`, else the running binary itself. */
export function upgradeDestination(
  opts: Pick<UpgradeOptions, "prefix" | "launch" | "os">,
): { ok: true; dest: string } | { ok: false; error: string } {
  const exe = opts.os === "windows" ? "halton-meter.exe" : "halton-meter";
  if (opts.prefix !== undefined) {
    const dir = opts.prefix.replace(/[\\/]+$/, "");
    return { ok: true, dest: `${dir}${opts.os === "windows" ? "\\" : "/"}${exe}` };
  }
  if (opts.launch.compiled) return { ok: true, dest: opts.launch.execPath };
  return {
    ok: false,
    error: `this halton-meter runs from source (${opts.launch.mainModule}), not from an ` +
      "installed binary: update it where it lies, or pass --prefix DIR to install the release " +
      "binary into DIR",
  };
}

export async function runUpgrade(opts: UpgradeOptions, deps: UpgradeDeps): Promise<number> {
  const fail = (line: string, code = 1) => (opts.printError(`halton-meter upgrade: ${line}`), code);
  if (!isTarget(opts.target)) return fail(`no release is built for ${opts.target}`);
  const where = upgradeDestination(opts);
  if (!where.ok) return fail(where.error, 2);

  const outcome = await deps.install({
    releaseUrl: opts.releaseUrl,
    version: opts.version,
    target: opts.target as Target,
    dest: where.dest,
    os: opts.os,
  });
  if (outcome.kind === "failed") return fail(outcome.reason);
  if (outcome.kind === "current") {
    opts.print(`halton-meter ${outcome.version} is already installed at ${outcome.dest}`);
    return 0;
  }
  opts.print(`Installed halton-meter ${outcome.version} (${opts.target}) to ${outcome.dest}`);

  const backend = await deps.installedBackend();
  if (backend === null) {
    opts.print(
      "No services are installed here (no init): the next `halton-meter up` or `init` runs it.",
    );
    return 0;
  }
  const daemon = await backend.status("daemon");
  if (daemon.state !== "running") {
    opts.print(`The daemon is ${daemon.state}: \`halton-meter start\` starts the new binary.`);
    return 0;
  }
  const paths = homePaths(opts.home);
  const edgePort = readEffectivePorts(paths.effectivePorts).edge;
  opts.print(
    `Restarting the daemon and the watchdog through ${backend.name}; the edge keeps ` +
      `127.0.0.1:${edgePort ?? "?"} and tunnels meanwhile…`,
  );
  // The watchdog first, so it does not bring the draining daemon back itself. No
  // graceful-stop sentinel: this is a restart, not a stop.
  const stopped = await backend.stop(["watchdog", "daemon"]);
  for (const step of stopped.steps.filter((s) => s.outcome === "failed")) {
    opts.printError(`✗ ${step.role}: ${step.detail}`);
  }
  const started = await runStart({
    home: opts.home,
    deps: deps.lifecycle(backend),
    print: opts.print,
    printError: opts.printError,
  });
  const edgePid = readPidFile(`${paths.run}/edge.pid`);
  opts.print(
    `The edge${edgePid === null ? "" : ` (pid ${edgePid})`} keeps serving from the binary it ` +
      "started with; it runs the new one from its next start (next login or reboot).",
  );
  return started === 0 && stopped.ok ? 0 : 1;
}
