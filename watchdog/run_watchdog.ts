import {
  createFileLogger,
  homePaths,
  type Logger,
  readEffectivePorts,
  VERSION,
} from "../core/mod.ts";
import { probeDaemonHealth } from "../edge/mod.ts";
import { createRestartDaemon, type RestartResult } from "./restart_daemon.ts";
import { createControlSystemProxy, type SystemProxy } from "./system_proxy.ts";
import {
  createCommandRunner,
  type LaunchContext,
  systemProxyControlFromEnv,
} from "../setup/mod.ts";

/** What a raw `/health` probe saw (the same classification the edge uses). */
export type ProbeResult = Awaited<ReturnType<typeof probeDaemonHealth>>;

export interface WatchdogDeps {
  probeDaemon(port: number): Promise<ProbeResult>;
  probeEdge(port: number): Promise<ProbeResult>;
  restartDaemon(): Promise<RestartResult>;
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
   * Who brings a dead daemon back. `service` (default): the watchdog, through the service
   * manager. `up`: `halton-meter up` restarts its own children, so the watchdog only
   * watches; a daemon it started would be detached and outlive `up`.
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
export const BACKOFF_INITIAL_MS = 1000;
export const BACKOFF_MAX_MS = 60_000;
/** The backoff starts over once the daemon has stayed healthy this long. */
export const HEALTHY_RESET_MS = 60_000;
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
 * sentinel; in full mode it also keeps the system proxy off while the edge is down, so
 * browsers keep working. Nothing in a tick may throw out of the loop.
 */
export async function runWatchdog(opts: RunWatchdogOptions): Promise<number> {
  const paths = homePaths(opts.home);
  const log = opts.deps?.log ??
    createFileLogger({ path: `${paths.logs}/watchdog.log`, echo: opts.echoLogs });
  const deps: WatchdogDeps = {
    probeDaemon: (port) => probeDaemonHealth(port),
    probeEdge: (port) => probeDaemonHealth(port),
    restartDaemon: createRestartDaemon({
      home: opts.home,
      launch: opts.launch,
      supervisor: opts.supervisor,
    }),
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

  let backoffMs = BACKOFF_INITIAL_MS;
  /** No restart before this time (the previous attempt plus the backoff then current). */
  let nextRestartAt = 0;
  let healthySince: number | null = null;
  const graceMs = opts.startupGraceMs ?? STARTUP_GRACE_MS;
  /** Until the daemon is first seen healthy or this time passes, silence means "starting". */
  let graceUntil: number | null = null;
  let inFlight: Promise<void> | null = null;
  let lastDaemon: "healthy" | "starting" | "down" | "stopped" | null = null;
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

  function startRestart(now: number): void {
    const delay = backoffMs;
    nextRestartAt = now + delay;
    backoffMs = Math.min(backoffMs * 2, BACKOFF_MAX_MS);
    log.log("warn", "daemon is down: restarting it", { next_attempt_in_ms: delay });
    inFlight = deps.restartDaemon()
      .then((r) =>
        log.log(r.ok ? "info" : "error", "daemon restart", { ok: r.ok, detail: r.detail })
      )
      .catch((err) => log.log("error", "daemon restart threw", { error: String(err) }))
      .finally(() => {
        inFlight = null;
      });
  }

  async function checkDaemon(): Promise<void> {
    const port = readEffectivePorts(paths.effectivePorts).internal;
    const probe = port === undefined ? "refused" : await deps.probeDaemon(port);
    const now = deps.now();
    graceUntil ??= now + graceMs;
    if (probe === "healthy") {
      if (lastDaemon !== "healthy") log.log("info", "daemon healthy", { port: port ?? 0 });
      lastDaemon = "healthy";
      graceUntil = 0;
      healthySince ??= now;
      if (backoffMs !== BACKOFF_INITIAL_MS && now - healthySince >= HEALTHY_RESET_MS) {
        log.log("info", "daemon stayed healthy: restart backoff reset", {
          healthy_ms: now - healthySince,
        });
        backoffMs = BACKOFF_INITIAL_MS;
        nextRestartAt = 0;
      }
      return;
    }
    healthySince = null;
    if (exists(paths.gracefulStop)) {
      // `stop` wrote it and `start` removes it: the user wants the daemon down.
      if (lastDaemon !== "stopped") {
        log.log("info", "daemon is down and graceful-stop is present: leaving it down", {
          probe,
        });
      }
      lastDaemon = "stopped";
      return;
    }
    // No port recorded yet means the daemon has not bound yet, not that it listens on 0.
    const where: Record<string, string | number> = port === undefined
      ? { internal_port: "not recorded yet" }
      : { port };
    if (now < graceUntil) {
      if (lastDaemon !== "starting") {
        log.log("info", "waiting for the daemon to start", {
          probe,
          ...where,
          grace_ms: graceUntil - now,
        });
      }
      lastDaemon = "starting";
      return;
    }
    if (lastDaemon !== "down") {
      log.log(
        "warn",
        restartByUp ? "daemon is down: halton-meter up restarts it" : "daemon is down",
        { probe, ...where },
      );
    }
    lastDaemon = "down";
    if (restartByUp || inFlight !== null || now < nextRestartAt) return;
    startRestart(now);
  }

  async function checkEdge(): Promise<void> {
    // Full mode, and init really set the system proxy (it writes proxy-managed after).
    if (readInstallMode(paths.installMode) !== "full" || !exists(paths.proxyManaged)) {
      lastEdge = null;
      if (proxyOffByUs) forgetProxyOff();
      return;
    }
    const port = readEffectivePorts(paths.effectivePorts).edge;
    const probe = port === undefined ? "refused" : await deps.probeEdge(port);
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
  if (inFlight !== null) await inFlight;
  try {
    if (Deno.readTextFileSync(pidFile).trim() === String(Deno.pid)) Deno.removeSync(pidFile);
  } catch { /* already gone */ }
  log.log("info", "watchdog stopped");
  return 0;
}
