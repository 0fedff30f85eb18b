import {
  removeEntryFile,
  runCommandStep,
  stepEachRole,
  uninstallStopRoles,
} from "./_backend_steps.ts";
import { joinPath } from "./_path.ts";
import type { CommandResult, CommandRunner } from "./command_runner.ts";
import type { FileDeps } from "./file_deps.ts";
import { renderLaunchdPlist } from "./render_launchd_plist.ts";
import { type Role, START_ORDER, STOP_ORDER } from "./roles.ts";
import {
  type BackendStep,
  createReport,
  describeResult,
  type ServiceBackend,
  type ServiceStatus,
} from "./service_backend.ts";
import { launchdLabel } from "./service_names.ts";
import type { ServiceSpec } from "./service_spec.ts";

export interface LaunchdBackendOptions {
  runner: CommandRunner;
  files: FileDeps;
  /** The user's home directory; agents live in `<userHome>/Library/LaunchAgents`. */
  userHome: string;
  /** Numeric user id for the `gui/<uid>` domain. */
  uid: number;
}

// `launchctl bootout` of a job that is not loaded: 3 "No such process" on older macOS,
// 113 "Could not find specified service" on newer ones.
function notLoaded(result: CommandResult): boolean {
  return result.code === 3 || result.code === 113 ||
    /no such process|could not find/i.test(result.stderr);
}

/** LaunchAgents in the `gui/<uid>` domain, driven with `launchctl bootstrap/kickstart/bootout`. */
export function launchdBackend(opts: LaunchdBackendOptions): ServiceBackend {
  const { runner, files } = opts;
  const domain = `gui/${opts.uid}`;
  const agentsDir = joinPath(opts.userHome, "Library", "LaunchAgents");
  const plistPath = (role: Role) => joinPath(agentsDir, `${launchdLabel(role)}.plist`);
  const target = (role: Role) => `${domain}/${launchdLabel(role)}`;

  const launchctl = (role: Role, action: string, args: string[]) =>
    runCommandStep(runner, role, action, "launchctl", args);

  async function isLoaded(role: Role): Promise<boolean> {
    return (await runner.run("launchctl", ["print", target(role)])).code === 0;
  }

  async function bootout(role: Role): Promise<BackendStep> {
    const { result, step } = await launchctl(role, "bootout", ["bootout", target(role)]);
    return notLoaded(result) ? { ...step, outcome: "skipped", detail: "not loaded" } : step;
  }

  async function startRole(role: Role): Promise<BackendStep> {
    if (await isLoaded(role)) {
      // Without -k: starting a running job is a no-op, not a hidden restart.
      return (await launchctl(role, "kickstart", ["kickstart", target(role)])).step;
    }
    if (await files.exists(plistPath(role))) {
      return (await launchctl(role, "bootstrap", ["bootstrap", domain, plistPath(role)])).step;
    }
    return {
      role,
      action: "start",
      outcome: "failed",
      detail: `${plistPath(role)} does not exist; run halton-meter init`,
    };
  }

  return {
    name: "launchd",
    entryFile: (spec, role) => ({ path: plistPath(role), content: renderLaunchdPlist(spec, role) }),

    async install(spec: ServiceSpec) {
      const report = createReport();
      await files.mkdir(agentsDir);
      await files.mkdir(spec.logDir);
      for (const role of START_ORDER) {
        const path = plistPath(role);
        const content = renderLaunchdPlist(spec, role);
        const changed = (await files.readTextFile(path)) !== content;
        if (changed) await files.writeFile(path, content, { mode: 0o644 });
        const loaded = await isLoaded(role);
        if (loaded && !changed) {
          report.add({ role, action: "bootstrap", outcome: "skipped", detail: "already loaded" });
          continue;
        }
        // launchd only rereads a plist on bootstrap, so a changed loaded job is cycled.
        if (loaded) report.add(await bootout(role));
        // A job someone disabled would refuse to bootstrap.
        report.add((await launchctl(role, "enable", ["enable", target(role)])).step);
        report.add((await launchctl(role, "bootstrap", ["bootstrap", domain, path])).step);
      }
      return report.done();
    },

    start: (roles) => stepEachRole(roles, START_ORDER, startRole),
    stop: (roles) => stepEachRole(roles, STOP_ORDER, bootout),

    async uninstall({ graceful }) {
      const report = createReport();
      // Graceful leaves the edge job loaded: its plist goes, so it ends at logout or reboot.
      for (const role of uninstallStopRoles(graceful)) report.add(await bootout(role));
      for (const role of STOP_ORDER) {
        const path = plistPath(role);
        report.add(await removeEntryFile(files, role, path, await files.exists(path)));
      }
      return report.done();
    },

    async status(role): Promise<ServiceStatus> {
      const result = await runner.run("launchctl", ["print", target(role)]);
      if (result.code === 0) {
        const pid = /^\s*pid = (\d+)\s*$/m.exec(result.stdout);
        const state = /^\s*state = (.+?)\s*$/m.exec(result.stdout)?.[1] ?? "loaded";
        return pid
          ? { role, state: "running", pid: Number(pid[1]), detail: state }
          : { role, state: "stopped", detail: state };
      }
      if (notLoaded(result)) {
        return (await files.exists(plistPath(role)))
          ? { role, state: "stopped", detail: "plist present, not loaded" }
          : { role, state: "not_installed" };
      }
      return { role, state: "unknown", detail: describeResult(`launchctl print`, result) };
    },
  };
}
