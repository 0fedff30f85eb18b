import {
  type BackendName,
  chooseBackend,
  type CommandRunner,
  createCommandRunner,
  createFileDeps,
  createProcessDeps,
  createServiceSpec,
  directBackend,
  type FileDeps,
  type LaunchContext,
  launchdBackend,
  probeSystemdUser,
  type Role,
  type ServiceBackend,
  systemdBackend,
  taskSchedulerBackend,
} from "../setup/mod.ts";

/** What one restart attempt did; a refused start is data, not an exception. */
export interface RestartResult {
  ok: boolean;
  detail: string;
}

export interface RestartRoleOptions {
  home: string;
  /** Where the running code lives (main.ts passes it); used only to write a direct spec when none exists. */
  launch?: LaunchContext;
  /** A `--supervisor` value; without it the backend is chosen like `init` chooses it. */
  supervisor?: string;
  runner?: CommandRunner;
  files?: FileDeps;
  os?: string;
  env?: { get(key: string): string | undefined };
}

function backendFor(
  name: BackendName,
  opts: RestartRoleOptions,
  runner: CommandRunner,
  files: FileDeps,
): ServiceBackend {
  const env = opts.env ?? Deno.env;
  const userHome = env.get("HOME") ?? env.get("USERPROFILE") ?? opts.home;
  switch (name) {
    case "direct":
      return directBackend({ home: opts.home, files, proc: createProcessDeps() });
    case "systemd":
      return systemdBackend({
        runner,
        files,
        unitDir: `${env.get("XDG_CONFIG_HOME") ?? `${userHome}/.config`}/systemd/user`,
      });
    case "launchd":
      return launchdBackend({ runner, files, userHome, uid: Deno.uid() ?? 0 });
    case "schtasks":
      return taskSchedulerBackend({ runner, files, taskDir: `${opts.home}\\service` });
  }
}

/**
 * The default way the watchdog brings a role (the daemon; with the direct backend, the edge)
 * back: through the same service manager `init` registered it with, so the restarted role is
 * supervised like the first one. A `run/direct-spec.json` means `init` chose the direct
 * backend; without one the backend is chosen again, and for `direct` a spec is written from
 * `launch` (a watchdog run by hand, or a test, has no `init` behind it).
 */
export function createRestartRole(
  opts: RestartRoleOptions,
): (role: Role) => Promise<RestartResult> {
  const runner = opts.runner ?? createCommandRunner();
  const files = opts.files ?? createFileDeps();
  const runDir = `${opts.home}/run`;
  const specPath = `${runDir}/direct-spec.json`;
  return async (role) => {
    try {
      let name: BackendName;
      if (opts.supervisor === undefined && await files.exists(specPath)) {
        name = "direct";
      } else {
        const os = opts.os ?? Deno.build.os;
        const choice = chooseBackend({
          os,
          hasSystemdUser: os === "linux" && opts.supervisor !== "direct" &&
            await probeSystemdUser(runner),
          override: opts.supervisor,
        });
        if (!choice.ok) return { ok: false, detail: choice.error };
        name = choice.name;
      }
      if (name === "direct" && !(await files.exists(specPath))) {
        if (opts.launch === undefined) {
          return { ok: false, detail: `direct: ${specPath} does not exist; run halton-meter init` };
        }
        const spec = createServiceSpec({
          home: opts.home,
          launch: opts.launch,
        });
        await files.mkdir(runDir);
        await files.mkdir(spec.logDir);
        await files.writeFile(specPath, JSON.stringify(spec, null, 2) + "\n");
      }
      const report = await backendFor(name, opts, runner, files).start([role]);
      const steps = report.steps.map((s) => `${s.action} ${s.outcome}: ${s.detail}`).join("; ");
      return { ok: report.ok, detail: `${name}: ${steps}` };
    } catch (err) {
      return { ok: false, detail: `restart through the service manager failed: ${String(err)}` };
    }
  };
}
