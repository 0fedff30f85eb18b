import { stepEachRole, uninstallStopRoles } from "./_backend_steps.ts";
import { joinPath } from "./_path.ts";
import type { FileDeps } from "./file_deps.ts";
import type { ProcessDeps } from "./process_deps.ts";
import { type Role, START_ORDER, STOP_ORDER } from "./roles.ts";
import {
  type BackendStep,
  createReport,
  type ServiceBackend,
  type ServiceStatus,
} from "./service_backend.ts";
import { roleLogPaths, type ServiceSpec, serviceSpecSchema } from "./service_spec.ts";

export interface DirectBackendOptions {
  /** The state directory; pid files and the stored spec live in `<home>/run/`. */
  home: string;
  files: FileDeps;
  proc: ProcessDeps;
  /**
   * How long `stop` waits after SIGTERM before SIGKILL (default 15 s): longer than the
   * daemon's and the edge's drain (`drain_timeout_ms`, 10 s by default), so a stop or an
   * upgrade never cuts a response a draining role is still sending.
   */
  stopTimeoutMs?: number;
}

const POLL_MS = 100;

/**
 * The direct backend's records under `<home>/run`: `spec` is what `install` stored;
 * `leftRunning` is written by a graceful uninstall that left the edge up, so a later
 * `uninstall` or `status` still knows the edge (its pid is in `edge.pid`) belongs to us.
 */
export function directBackendFiles(home: string): { spec: string; leftRunning: string } {
  const runDir = joinPath(home, "run");
  return {
    spec: joinPath(runDir, "direct-spec.json"),
    leftRunning: joinPath(runDir, "direct-left-running.json"),
  };
}

/**
 * No service manager (containers, CI): detached processes with pid files under
 * `<home>/run/<role>.pid`. Nothing starts them at login; the watchdog is the only supervisor
 * (it restarts the daemon and, while the spec exists, the edge). `install` stores the spec so
 * `start` can run later.
 */
export function directBackend(opts: DirectBackendOptions): ServiceBackend {
  const { files, proc } = opts;
  const runDir = joinPath(opts.home, "run");
  const { spec: specPath, leftRunning } = directBackendFiles(opts.home);
  const pidPath = (role: Role) => joinPath(runDir, `${role}.pid`);
  const stopTimeoutMs = opts.stopTimeoutMs ?? 15_000;

  async function readPid(role: Role): Promise<number | null> {
    const text = await files.readTextFile(pidPath(role));
    if (text === null) return null;
    const pid = Number(text.trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  }

  async function readSpec(): Promise<ServiceSpec | null> {
    const text = await files.readTextFile(specPath);
    if (text === null) return null;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new Error(`Cannot read ${specPath}: ${String(err)}; run halton-meter init again`, {
        cause: err,
      });
    }
    const parsed = serviceSpecSchema.safeParse(raw);
    if (!parsed.success) {
      throw new Error(
        `Cannot read ${specPath}: ${parsed.error.message}; run halton-meter init again`,
        { cause: parsed.error },
      );
    }
    return parsed.data;
  }

  /** `spec` is `null` when `install` never stored one. */
  async function startRole(spec: ServiceSpec | null, role: Role): Promise<BackendStep> {
    if (spec === null) {
      return {
        role,
        action: "spawn",
        outcome: "failed",
        detail: `${specPath} does not exist; run halton-meter init`,
      };
    }
    const running = await readPid(role);
    if (running !== null && proc.isAlive(running)) {
      return {
        role,
        action: "spawn",
        outcome: "skipped",
        detail: `already running (pid ${running})`,
      };
    }
    const logs = roleLogPaths(spec, role);
    const command = spec.roles[role];
    try {
      const pid = await proc.spawnDetached({
        program: command.program,
        args: command.args,
        env: spec.env,
        stdoutPath: logs.stdout,
        stderrPath: logs.stderr,
      });
      if (role === "userenv") {
        // A one-shot: it applies the login environment and exits. A pid file would make
        // it look "running" (or, once the pid is reused, make stop kill a stranger).
        await files.removeFile(pidPath(role));
        return {
          role,
          action: "spawn",
          outcome: "done",
          detail: `one-shot pid ${pid} (applies the login environment, then exits)`,
        };
      }
      await files.writeFile(pidPath(role), `${pid}\n`);
      return { role, action: "spawn", outcome: "done", detail: `pid ${pid}` };
    } catch (err) {
      return { role, action: "spawn", outcome: "failed", detail: String(err) };
    }
  }

  async function stopRole(role: Role): Promise<BackendStep> {
    const pid = await readPid(role);
    if (pid === null || !proc.isAlive(pid)) {
      await files.removeFile(pidPath(role));
      return { role, action: "kill", outcome: "skipped", detail: "not running" };
    }
    proc.kill(pid, "SIGTERM");
    for (let waited = 0; waited < stopTimeoutMs && proc.isAlive(pid); waited += POLL_MS) {
      await proc.sleep(POLL_MS);
    }
    let how = "SIGTERM";
    if (proc.isAlive(pid)) {
      proc.kill(pid, "SIGKILL");
      how = `SIGKILL after ${stopTimeoutMs} ms`;
    }
    await files.removeFile(pidPath(role));
    return { role, action: "kill", outcome: "done", detail: `pid ${pid} (${how})` };
  }

  async function start(roles: readonly Role[]) {
    const spec = await readSpec();
    // A logs directory removed since install (by hand, or a cleanup) must not stop a start.
    if (spec !== null) await files.mkdir(spec.logDir);
    return await stepEachRole(roles, START_ORDER, (role) => startRole(spec, role));
  }

  return {
    name: "direct",
    entryFile: () => null,

    async install(spec: ServiceSpec) {
      await files.mkdir(runDir);
      await files.mkdir(spec.logDir);
      await files.writeFile(specPath, JSON.stringify(spec, null, 2) + "\n");
      // An edge a graceful uninstall left running is adopted (start skips a live role).
      await files.removeFile(leftRunning);
      return await start(START_ORDER);
    },

    start,

    stop: (roles) => stepEachRole(roles, STOP_ORDER, stopRole),

    async uninstall({ graceful }) {
      const report = createReport();
      // Graceful keeps the edge process and its pid file, so a later uninstall can stop it.
      for (const role of uninstallStopRoles(graceful)) report.add(await stopRole(role));
      await files.removeFile(specPath);
      report.add({ role: null, action: "remove", outcome: "done", detail: specPath });
      const edge = graceful ? await readPid("edge") : null;
      if (edge !== null && proc.isAlive(edge)) {
        // Without the spec nothing would say this edge is ours: record it for a later uninstall.
        await files.writeFile(
          leftRunning,
          JSON.stringify({ roles: ["edge"], edge_pid: edge }) + "\n",
        );
        report.add({
          role: "edge",
          action: "keep",
          outcome: "done",
          detail: `pid ${edge} left running; recorded in ${leftRunning}`,
        });
      } else await files.removeFile(leftRunning);
      return report.done();
    },

    async status(role): Promise<ServiceStatus> {
      const pid = await readPid(role);
      if (pid !== null && proc.isAlive(pid)) return { role, state: "running", pid };
      if (pid !== null) return { role, state: "stopped", detail: `stale pid file (pid ${pid})` };
      return (await files.exists(specPath))
        ? { role, state: "stopped" }
        : { role, state: "not_installed" };
    },
  };
}
