import {
  createFileLogger,
  homePaths,
  type Logger,
  readEffectivePorts,
  VERSION,
} from "../core/mod.ts";
import { probeDaemonHealth } from "../edge/mod.ts";
import { createEdgePortFollower } from "./_edge_port_follower.ts";
import { createRoleKeeper } from "./_role_keeper.ts";
import { INIT_RUNNING_MAX_AGE_MS, runUserenvRole } from "../userenv/mod.ts";
import { createRestartRole, type RestartResult } from "./restart_role.ts";
import { createControlSystemProxy, type SystemProxy } from "./system_proxy.ts";
import {
  createCommandRunner,
  createFileDeps,
  directBackendFiles,
  type LaunchContext,
  systemProxyControlFromEnv,
} from "../setup/mod.ts";

/** What a raw `/health` probe saw (the same classification the edge uses). */
export type ProbeResult = Awaited<ReturnType<typeof probeDaemonHealth>>;

export interface WatchdogDeps {
  probeDaemon(port: number): Promise<ProbeResult>;
  probeEdge(port: number): Promise<ProbeResult>;
  restartDaemon(): Promise<RestartResult>;
  /** Only with the direct backend: other service managers keep the edge up themselves. */
  restartEdge(): Promise<RestartResult>;
  /** Runs the userenv role once: the edge moved, the login environment must follow. */
  reapplyLoginEnv(): Promise<number>;
  systemProxy: SystemProxy;
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`, or early once `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  log: Logger;
}

export interface RunWatchdogOptions {
  home: string;
  signal: AbortSignal;
  /** Time between checks; default 2000 ms. */
  intervalMs?: number;
  /** Used by the default `restartDaemon` (direct backend without a stored spec). */
  launch?: LaunchContext;
  /** A `--supervisor` value for the default `restartDaemon`. */
  supervisor?: string;
  /**
   * Who brings a dead daemon (and edge) back. `service` (default): the watchdog, through the
   * service manager. `up`: `halton-meter up` restarts its own children, so the watchdog only
   * watches; a role it started would be detached and outlive `up`.
   */
  daemonRestartBy?: "service" | "up";
  /**
   * After the watchdog starts, a daemon that does not answer yet is starting, not down:
   * no "down" log and no restart until it was seen healthy once or this much time passed.
   * Default `STARTUP_GRACE_MS`.
   */
  startupGraceMs?: number;
  echoLogs?: boolean;
  deps?: Partial<WatchdogDeps>;
}

export const DEFAULT_INTERVAL_MS = 2000;
export { BACKOFF_INITIAL_MS, BACKOFF_MAX_MS, HEALTHY_RESET_MS } from "./_role_keeper.ts";
/**
 * `start` and service managers launch the daemon and the watchdog together; the daemon
 * needs a few seconds to open its database and bind (then it writes `effective-ports.json`).
 * `start` itself waits 15 s for it; a daemon still silent after this long is really down.
 */
export const STARTUP_GRACE_MS = 15_000;

function realSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** When init wrote `run/init-running` (it holds an ISO time), or null without one. */
function initStartedAt(path: string): number | null {
  try {
    const at = Date.parse(Deno.readTextFileSync(path).trim());
    return Number.isNaN(at) ? null : at;
  } catch {
    return null;
  }
}

function readInstallMode(path: string): string | null {
  try {
    return Deno.readTextFileSync(path).trim();
  } catch {
    return null;
  }
}

/**
 * Runs the watchdog role until `signal` aborts; resolves with the exit code. Each tick it
 * probes the daemon and restarts it (with backoff) unless `stop` left the graceful-stop
 * sentinel. With the direct backend (nothing else would) it also restarts a dead edge, as
 * launchd's KeepAlive and systemd's Restart=always do. In full mode it keeps the system proxy
 * off while the edge is down, so browsers keep working. In apps and full mode, an edge back on
 * another port gets the login environment (and the system proxy) re-pointed at it. Nothing in
 * a tick may throw out of the loop.
 */
export async function runWatchdog(opts: RunWatchdogOptions): Promise<number> {
  const paths = homePaths(opts.home);
  const log = opts.deps?.log ??
    createFileLogger({ path: `${paths.logs}/watchdog.log`, echo: opts.echoLogs });
  const restartRole = createRestartRole({
    home: opts.home,
    launch: opts.launch,
    supervisor: opts.supervisor,
  });
  const deps: WatchdogDeps = {
    probeDaemon: (port) => probeDaemonHealth(port),
    probeEdge: (port) => probeDaemonHealth(port),
    restartDaemon: () => restartRole("daemon"),
    restartEdge: () => restartRole("edge"),
    reapplyLoginEnv: () => runUserenvRole({ home: opts.home, echoLogs: opts.echoLogs ?? false }),
    systemProxy: createControlSystemProxy(
      systemProxyControlFromEnv({
        os: Deno.build.os,
        runner: createCommandRunner(),
        env: Deno.env,
      }),
      () => readEffectivePorts(paths.effectivePorts).edge,
      log,
    ),
    now: Date.now,
    sleep: realSleep,
    ...opts.deps,
    log,
  };
  const intervalMs = opts.intervalMs ?? DEFAULT_INTERVAL_MS;
  const restartByUp = opts.daemonRestartBy === "up";

  const graceMs = opts.startupGraceMs ?? STARTUP_GRACE_MS;
  const daemon = createRoleKeeper({
    role: "daemon",
    restart: () => deps.restartDaemon(),
    log,
    graceMs,
  });
  const edge = createRoleKeeper({ role: "edge", restart: () => deps.restartEdge(), log, graceMs });
  const direct = directBackendFiles(opts.home);
  const follower = createEdgePortFollower({
    home: opts.home,
    files: createFileDeps(),
    log,
    reapplyLoginEnv: () => deps.reapplyLoginEnv(),
    systemProxy: deps.systemProxy,
  });
  // Remembered on disk: a watchdog restarted while the edge was down (reboot, `up` run
  // again, launchd) must still turn the proxy back on that an earlier one turned off.
  const proxyOffMarker = `${paths.run}/system-proxy-off-by-watchdog`;
  let proxyOffByUs = exists(proxyOffMarker);
  let lastEdge: "up" | "down" | null = null;

  /** The proxy is no longer ours to turn back on: we did, or init/uninstall took it over. */
  function forgetProxyOff(): void {
    proxyOffByUs = false;
    try {
      Deno.removeSync(proxyOffMarker);
    } catch { /* already gone */ }
  }

  async function checkDaemon(): Promise<void> {
    const port = readEffectivePorts(paths.effectivePorts).internal;
    const probe = port === undefined ? "refused" : await deps.probeDaemon(port);
    // No port recorded yet means the daemon has not bound yet, not that it listens on 0.
    const where: Record<string, string | number> = port === undefined
      ? { probe, internal_port: "not recorded yet" }
      : { probe, port };
    daemon.tick(deps.now(), probe === "healthy", {
      where,
      // `stop` wrote it and `start` removes it: the user wants the daemon down.
      ...(exists(paths.gracefulStop) ? { heldBy: "graceful-stop is present" } : {}),
      ...(restartByUp ? { restartBy: "halton-meter up" } : {}),
    });
  }

  /**
   * Whether the watchdog keeps the edge up: only with the direct backend, the one service
   * manager that restarts nothing. Its spec is removed by `uninstall` (a graceful one leaves
   * the edge running, unsupervised, until reboot); `stop` keeps the edge up by design, so
   * graceful-stop does not hold it. Under `up`, `up` restarts it.
   */
  function edgeKept(now: number): { keep: boolean; heldBy?: string } {
    if (!exists(direct.spec) || exists(direct.leftRunning)) return { keep: false };
    const initAt = initStartedAt(paths.initRunning);
    if (initAt !== null && now - initAt < INIT_RUNNING_MAX_AGE_MS) {
      return { keep: true, heldBy: "init is running (it starts the roles itself)" };
    }
    return { keep: true };
  }

  async function checkEdge(): Promise<void> {
    const now = deps.now();
    const kept = edgeKept(now);
    const mode = readInstallMode(paths.installMode);
    // Full mode, and init really set the system proxy (it writes proxy-managed after).
    const proxyOurs = mode === "full" && exists(paths.proxyManaged);
    const loginEnv = (mode === "apps" || mode === "full") && exists(paths.loginEnv);
    if (!proxyOurs && proxyOffByUs) forgetProxyOff();
    if (!proxyOurs) lastEdge = null;
    if (!proxyOurs && !kept.keep && !loginEnv) return;
    const port = readEffectivePorts(paths.effectivePorts).edge;
    const probe = port === undefined ? "refused" : await deps.probeEdge(port);
    if (loginEnv && probe === "healthy" && port !== undefined) {
      await follower.tick(now, port, proxyOurs);
    }
    if (kept.keep) {
      edge.tick(now, probe === "healthy", {
        where: port === undefined
          ? { probe, edge_port: "not recorded yet" }
          : { probe, port } as Record<string, string | number>,
        ...(kept.heldBy === undefined ? {} : { heldBy: kept.heldBy }),
        ...(restartByUp ? { restartBy: "halton-meter up" } : {}),
      });
    }
    if (!proxyOurs) return;
    const state = probe === "healthy" ? "up" : "down";
    if (state !== lastEdge) log.log(state === "up" ? "info" : "warn", `edge ${state}`, { probe });
    lastEdge = state;
    if (state === "down" && !proxyOffByUs) {
      // A proxy the user already turned off is not ours to turn back on later.
      if (await deps.systemProxy.isOn()) {
        await deps.systemProxy.set(false);
        proxyOffByUs = true;
        try {
          Deno.writeTextFileSync(proxyOffMarker, `${new Date(deps.now()).toISOString()}\n`);
        } catch (err) {
          log.log("warn", "cannot record that the system proxy is off", { error: String(err) });
        }
        log.log("warn", "edge is down: system proxy turned off so traffic keeps flowing");
      }
    } else if (state === "up" && proxyOffByUs) {
      await deps.systemProxy.set(true);
      forgetProxyOff();
      log.log("info", "edge is back: system proxy turned on again");
    }
  }

  const pidFile = `${paths.run}/watchdog.pid`;
  try {
    Deno.mkdirSync(paths.run, { recursive: true });
    Deno.writeTextFileSync(pidFile, `${Deno.pid}\n`);
  } catch (err) {
    log.log("warn", "cannot write the watchdog pid file", { path: pidFile, error: String(err) });
  }
  log.log("info", "watchdog started", {
    pid: Deno.pid,
    version: VERSION,
    interval_ms: intervalMs,
    daemon_restart_by: restartByUp ? "up" : "service",
  });
  while (!opts.signal.aborted) {
    for (const [what, check] of [["daemon", checkDaemon], ["edge", checkEdge]] as const) {
      if (opts.signal.aborted) break;
      try {
        await check();
      } catch (err) {
        log.log("error", `watchdog ${what} check failed`, { error: String(err) });
      }
    }
    try {
      await deps.sleep(intervalMs, opts.signal);
    } catch (err) {
      log.log("error", "watchdog sleep failed", { error: String(err) });
      await realSleep(intervalMs, opts.signal);
    }
  }
  // A restart already under way finishes, so no half-spawned process is left unrecorded.
  await daemon.inFlight();
  await edge.inFlight();
  try {
    if (Deno.readTextFileSync(pidFile).trim() === String(Deno.pid)) Deno.removeSync(pidFile);
  } catch { /* already gone */ }
  log.log("info", "watchdog stopped");
  return 0;
}
