/**
 * `halton-meter stop` and `halton-meter start`.
 *
 * `stop` writes the graceful-stop sentinel first (so a service manager or watchdog that
 * restarts the daemon in the next 30 s finds it and stays down), then stops the watchdog
 * and the daemon. The edge is never touched: apps keep a passthrough proxy. `start` removes
 * the sentinel, starts whatever of edge/daemon/watchdog is down, and waits for the daemon's
 * `/health`. While `halton-meter up` runs (`run/up.pid`), its roles are the ones: `stop`
 * stops its daemon (up keeps it down), `start` only removes the sentinel (up starts it again)
 * and starts nothing itself, so no second, untracked daemon appears.
 */
import { homePaths, readEffectivePorts } from "../core/mod.ts";
import {
  type BackendName,
  type BackendStep,
  chooseBackend,
  createCommandRunner,
  createFileDeps,
  createProcessDeps,
  createServiceSpec,
  directBackend,
  directBackendFiles,
  type FileDeps,
  type LaunchContext,
  launchdBackend,
  probeSystemdUser,
  type Role,
  type ServiceBackend,
  systemdBackend,
  taskSchedulerBackend,
} from "../setup/mod.ts";
import { type HttpProbe, isPidAlive, probeHttp, serviceLabel } from "./status.ts";
import { readPidFile } from "./_probes.ts";
import { readInstallState } from "./_install_state.ts";
import { upPidPath } from "./up.ts";

export interface LifecycleDeps {
  backend: ServiceBackend;
  isAlive(pid: number): boolean;
  probeHttp(port: number, path: string): Promise<HttpProbe>;
  sleep(ms: number): Promise<void>;
  now(): number;
  /** Used to write the direct backend's spec when nothing was installed yet. */
  launch: LaunchContext;
}

export interface LifecycleOptions {
  home: string;
  deps: LifecycleDeps;
  print: (line: string) => void;
  printError: (line: string) => void;
  /** How long `start` waits for the daemon's and a started edge's `/health` (default 15 s). */
  readyTimeoutMs?: number;
}

function fileSize(path: string): number {
  try {
    return Deno.statSync(path).size;
  } catch {
    return 0;
  }
}

function readFrom(path: string, offset: number): string {
  try {
    return new TextDecoder().decode(Deno.readFileSync(path).subarray(offset));
  } catch {
    return "";
  }
}

/** True when `GET /health` on the port is answered 200 by the process `pid`. */
async function answersAs(deps: LifecycleDeps, port: number | undefined, pid: number | null) {
  if (port === undefined) return false;
  const probe = await deps.probeHttp(port, "/health");
  if (probe.kind !== "answered" || probe.status !== 200) return false;
  const m = /"pid":\s*(\d+)/.exec(probe.text);
  return pid === null || (m !== null && Number(m[1]) === pid);
}

function stepLine(step: BackendStep, label: string, verb: string): string {
  if (step.outcome === "done") return `✓ ${step.role} ${verb}  ${label}  · ${step.detail}`;
  if (step.outcome === "skipped") return `· ${step.role} ${step.detail}`;
  return `✗ ${step.role}: ${step.detail}`;
}

/** The pid of a live `halton-meter up` supervising this home's roles, or null. */
function runningUp(opts: LifecycleOptions): number | null {
  const pid = readPidFile(upPidPath(opts.home));
  return pid !== null && pid !== Deno.pid && opts.deps.isAlive(pid) ? pid : null;
}

/** Daemon and watchdog down, edge up in passthrough; exit 0 unless a stop failed. */
export async function runStop(opts: LifecycleOptions): Promise<number> {
  const paths = homePaths(opts.home);
  const { backend } = opts.deps;
  // The sentinel goes first: anything restarting the daemon from here on finds it.
  Deno.mkdirSync(opts.home, { recursive: true, mode: 0o700 });
  Deno.writeTextFileSync(paths.gracefulStop, `${new Date().toISOString()}\n`);
  const up = runningUp(opts);
  if (up !== null) {
    opts.print(
      `· halton-meter up (PID ${up}) supervises the roles here: it keeps the daemon down until halton-meter start`,
    );
  }
  // Under up its watchdog never restarts the daemon, and up would only restart it.
  const report = await backend.stop(up === null ? ["watchdog", "daemon"] : ["daemon"]);
  for (const role of ["daemon", "watchdog"] as const) {
    const step = report.steps.find((s) => s.role === role);
    if (step) opts.print(stepLine(step, serviceLabel(backend, role), "stopped"));
  }
  const edgePort = readEffectivePorts(paths.effectivePorts).edge;
  const edgePid = readPidFile(`${paths.run}/edge.pid`);
  if (await answersAs(opts.deps, edgePort, edgePid)) {
    opts.print(`edge still running 127.0.0.1:${edgePort} (passthrough)`);
  } else {
    opts.print(
      "edge is not running: apps with HTTPS_PROXY set fail until it is back; run halton-meter start",
    );
  }
  if (!report.ok) {
    opts.printError("halton-meter stop: some roles did not stop; see halton-meter status");
    return 1;
  }
  return 0;
}

/** The direct backend can only start roles from a stored spec; write one if init never did. */
function ensureDirectSpec(home: string, launch: LaunchContext): void {
  const paths = homePaths(home);
  const specPath = directBackendFiles(home).spec;
  try {
    Deno.statSync(specPath);
    return;
  } catch { /* missing: write it */ }
  const spec = createServiceSpec({ home, launch });
  Deno.mkdirSync(paths.run, { recursive: true });
  Deno.mkdirSync(spec.logDir, { recursive: true });
  Deno.writeTextFileSync(specPath, JSON.stringify(spec, null, 2) + "\n");
}

/** `start` while `up` runs: the daemon `up` brings back, reported like any other start. */
async function awaitUpDaemon(opts: LifecycleOptions): Promise<number> {
  const paths = homePaths(opts.home);
  const timeoutMs = opts.readyTimeoutMs ?? 15_000;
  const ready = await waitReady(paths, opts.deps, { edge: false, edgePidBefore: null, timeoutMs });
  if (ready.daemonPid === null) {
    opts.printError(
      `✗ daemon did not become healthy within ${timeoutMs} ms; see ${paths.logs}/daemon.log and run halton-meter doctor`,
    );
    return 1;
  }
  const ports = readEffectivePorts(paths.effectivePorts);
  opts.print(
    `✓ daemon healthy  halton-meter up (PID ${ready.daemonPid})  mitm: 127.0.0.1:${ports.internal}  api: 127.0.0.1:${ports.api}`,
  );
  return 0;
}

/** Starts edge (if down), daemon and watchdog; waits for the daemon's `/health`. */
export async function runStart(opts: LifecycleOptions): Promise<number> {
  const paths = homePaths(opts.home);
  const { backend } = opts.deps;
  Deno.mkdirSync(opts.home, { recursive: true, mode: 0o700 });
  try {
    Deno.removeSync(paths.gracefulStop);
  } catch { /* no sentinel */ }
  const up = runningUp(opts);
  if (up !== null) {
    // Its roles are the ones: the sentinel gone, it starts its daemon again itself. A daemon
    // started here too would be a second one, in no pid file `up` or `status` knows.
    opts.print(
      `· halton-meter up (PID ${up}) supervises the roles here: it starts its daemon again; nothing else is started`,
    );
    return await awaitUpDaemon(opts);
  }
  if (backend.name === "direct") ensureDirectSpec(opts.home, opts.deps.launch);

  const edgeUp = await answersAs(
    opts.deps,
    readEffectivePorts(paths.effectivePorts).edge,
    readPidFile(`${paths.run}/edge.pid`),
  );
  const roles: Role[] = edgeUp ? ["daemon", "watchdog"] : ["edge", "daemon", "watchdog"];
  // Nothing runs the direct backend's userenv one-shot at login: `start` (after a reboot,
  // say) is when it re-applies the login environment, in the modes that have one.
  if (backend.name === "direct" && readInstallState(opts.home).wantApps) {
    roles.push("userenv");
  }
  const watchdogLog = `${paths.logs}/watchdog.stderr.log`;
  const watchdogLogStart = fileSize(watchdogLog);
  const edgePidBefore = readPidFile(`${paths.run}/edge.pid`);
  const report = await backend.start(roles);
  const failed = report.steps.filter((s) => s.outcome === "failed");
  for (const step of failed) opts.printError(stepLine(step, "", ""));
  if (report.steps.some((s) => s.role === "daemon" && s.outcome === "failed")) return 1;

  const timeoutMs = opts.readyTimeoutMs ?? 15_000;
  const ready = await waitReady(paths, opts.deps, {
    edge: roles.includes("edge"),
    edgePidBefore,
    timeoutMs,
  });
  const ports = readEffectivePorts(paths.effectivePorts);
  let ok = failed.length === 0;
  if (roles.includes("edge")) {
    if (ready.edge) opts.print(`✓ edge started  127.0.0.1:${ports.edge}`);
    else {
      ok = false;
      opts.printError(
        `✗ edge did not answer on 127.0.0.1:${ports.edge} within ${timeoutMs} ms: apps with HTTPS_PROXY set cannot connect; see ${paths.logs}/edge.log and run halton-meter doctor`,
      );
    }
  }
  if (ready.daemonPid === null) {
    opts.printError(
      `✗ daemon did not become healthy within ${timeoutMs} ms; see ${paths.logs}/daemon.log and run halton-meter doctor`,
    );
    return 1;
  }
  opts.print(
    `✓ daemon healthy  ${
      serviceLabel(backend, "daemon")
    } (PID ${ready.daemonPid})  mitm: 127.0.0.1:${ports.internal}  api: 127.0.0.1:${ports.api}`,
  );

  // A build without the watchdog role exits at once saying so; that is a note, not a failure.
  const watchdogPid = readPidFile(`${paths.run}/watchdog.pid`);
  let said = "";
  for (let waited = 0; waited < 1500; waited += 100) {
    said = readFrom(watchdogLog, watchdogLogStart);
    if (watchdogPid === null || !opts.deps.isAlive(watchdogPid) || said.includes("not available")) {
      break;
    }
    await opts.deps.sleep(100);
  }
  if (said.includes("not available")) {
    try {
      Deno.removeSync(`${paths.run}/watchdog.pid`);
    } catch { /* gone */ }
    opts.print("· watchdog not available in this build (skipped)");
  } else if (watchdogPid !== null && opts.deps.isAlive(watchdogPid)) {
    opts.print(`✓ watchdog started  ${serviceLabel(backend, "watchdog")} (PID ${watchdogPid})`);
  } else if (backend.name === "direct") {
    ok = false;
    opts.printError(`✗ watchdog is not running; see ${watchdogLog}`);
  } else {
    const step = report.steps.find((s) => s.role === "watchdog");
    if (step && step.outcome !== "failed") {
      opts.print(stepLine(step, serviceLabel(backend, "watchdog"), "started"));
    }
  }
  return ok ? 0 : 1;
}

/**
 * Polls until the pid in `run/daemon.pid` answers `/health` on the internal port and, when
 * the edge was (re)started, the edge answers on its port: a service manager returns before
 * the role has bound. Gives up on a role whose freshly written pid died, else at the deadline.
 */
async function waitReady(
  paths: ReturnType<typeof homePaths>,
  deps: LifecycleDeps,
  want: { edge: boolean; edgePidBefore: number | null; timeoutMs: number },
): Promise<{ daemonPid: number | null; edge: boolean }> {
  const deadline = deps.now() + want.timeoutMs;
  let daemonPid: number | null = null;
  let daemonDone = false;
  let edgeUp = !want.edge;
  let edgeDied = false;
  for (;;) {
    const ports = readEffectivePorts(paths.effectivePorts);
    if (!daemonDone) {
      const pid = readPidFile(`${paths.run}/daemon.pid`);
      if (pid !== null && await answersAs(deps, ports.internal, pid)) {
        daemonPid = pid;
        daemonDone = true;
      } else if (pid !== null && !deps.isAlive(pid)) daemonDone = true;
    }
    if (!edgeUp) {
      const pid = readPidFile(`${paths.run}/edge.pid`);
      edgeUp = await answersAs(deps, ports.edge, pid);
      // A pid file left by the previous edge says nothing about the new one.
      edgeDied = !edgeUp && pid !== null && pid !== want.edgePidBefore && !deps.isAlive(pid);
    }
    if ((daemonDone && (edgeUp || edgeDied)) || deps.now() >= deadline) break;
    await deps.sleep(100);
  }
  return { daemonPid, edge: edgeUp };
}

export interface ResolveBackendInput {
  home: string;
  os: string;
  env: { get(key: string): string | undefined };
  files: FileDeps;
}

/** The backend called `name`, wired with the real runner and process operations. */
export function buildBackend(name: BackendName, input: ResolveBackendInput): ServiceBackend {
  const runner = createCommandRunner();
  const files = input.files;
  const userHome = input.env.get("HOME") ?? input.env.get("USERPROFILE") ?? input.home;
  switch (name) {
    case "systemd":
      return systemdBackend({
        runner,
        files,
        unitDir: `${input.env.get("XDG_CONFIG_HOME") ?? `${userHome}/.config`}/systemd/user`,
      });
    case "launchd":
      return launchdBackend({ runner, files, userHome, uid: Deno.uid() ?? 0 });
    case "schtasks":
      return taskSchedulerBackend({ runner, files, taskDir: `${input.home}\\service` });
    case "direct":
      return directBackend({
        home: input.home,
        files,
        proc: { ...createProcessDeps(), isAlive: isPidAlive },
      });
  }
}

/**
 * The backend the roles are installed with: direct when its spec exists in `<home>/run`, or
 * an edge a graceful uninstall left running is recorded there; else the platform's service
 * manager when it has the daemon installed; else null.
 */
export async function installedBackend(input: ResolveBackendInput): Promise<ServiceBackend | null> {
  const direct = directBackendFiles(input.home);
  if (await input.files.exists(direct.spec) || await input.files.exists(direct.leftRunning)) {
    return buildBackend("direct", input);
  }
  const hasSystemdUser = input.os === "linux"
    ? await probeSystemdUser(createCommandRunner())
    : false;
  const choice = chooseBackend({ os: input.os, hasSystemdUser });
  if (!choice.ok || choice.name === "direct") return null;
  const native = buildBackend(choice.name, input);
  const daemon = await native.status("daemon").catch(() => null);
  return daemon === null || daemon.state === "not_installed" ? null : native;
}

/**
 * The backend the roles run under: the installed one, else direct (a source checkout that
 * never ran init can still `start`).
 */
export async function resolveBackend(input: ResolveBackendInput): Promise<ServiceBackend> {
  return await installedBackend(input) ?? buildBackend("direct", input);
}

/** Real dependencies for the CLI; `launch` is how this program starts a role (from main.ts). */
export async function createLifecycleDeps(
  home: string,
  launch: LaunchContext,
): Promise<LifecycleDeps> {
  return {
    backend: await resolveBackend({
      home,
      os: Deno.build.os,
      env: Deno.env,
      files: createFileDeps(),
    }),
    isAlive: isPidAlive,
    probeHttp: (port, path) => probeHttp(port, path),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    now: Date.now,
    launch,
  };
}
