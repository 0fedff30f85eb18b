import {
  removeEntryFile,
  runCommandStep,
  skipIfAbsent,
  uninstallStopRoles,
} from "./_backend_steps.ts";
import { joinPath } from "./_path.ts";
import type { CommandResult, CommandRunner } from "./command_runner.ts";
import type { FileDeps } from "./file_deps.ts";
import { renderSystemdUnit } from "./render_systemd_unit.ts";
import { orderRoles, type Role, START_ORDER, STOP_ORDER } from "./roles.ts";
import {
  type BackendStep,
  createReport,
  describeResult,
  type ServiceBackend,
  type ServiceStatus,
} from "./service_backend.ts";
import { systemdUnitName } from "./service_names.ts";
import type { ServiceSpec } from "./service_spec.ts";

export interface SystemdBackendOptions {
  runner: CommandRunner;
  files: FileDeps;
  /** Usually `~/.config/systemd/user` (`$XDG_CONFIG_HOME/systemd/user`). */
  unitDir: string;
}

// systemctl exits 5 for "Unit ... not loaded"; stopping such a unit is already done.
function notLoaded(result: CommandResult): boolean {
  return result.code === 5 || /not loaded|not found|does not exist/i.test(result.stderr);
}

const ACTIVE = new Set(["active", "activating", "reloading", "deactivating"]);

/** `systemd --user` units driven with `systemctl --user`. */
export function systemdBackend(opts: SystemdBackendOptions): ServiceBackend {
  const { runner, files, unitDir } = opts;
  const unitPath = (role: Role) => joinPath(unitDir, systemdUnitName(role));
  const units = (roles: readonly Role[]) => roles.map(systemdUnitName);

  const systemctl = (role: Role | null, action: string, args: string[]) =>
    runCommandStep(runner, role, action, "systemctl", ["--user", ...args]);

  async function stopUnits(roles: readonly Role[]): Promise<BackendStep> {
    // One call for all units: systemctl still stops the loaded ones when another is unknown.
    return skipIfAbsent(await systemctl(null, "stop", ["stop", ...units(roles)]), notLoaded);
  }

  return {
    name: "systemd",
    entryFile: (spec, role) => ({ path: unitPath(role), content: renderSystemdUnit(spec, role) }),

    async install(spec: ServiceSpec) {
      const report = createReport();
      await files.mkdir(unitDir);
      await files.mkdir(spec.logDir);
      const rewritten: Role[] = [];
      for (const role of START_ORDER) {
        const path = unitPath(role);
        const content = renderSystemdUnit(spec, role);
        const old = await files.readTextFile(path);
        if (old === content) {
          report.add({ role, action: "write", outcome: "skipped", detail: `${path} unchanged` });
          continue;
        }
        await files.writeFile(path, content, { mode: 0o644 });
        report.add({ role, action: "write", outcome: "done", detail: path });
        if (old !== null) rewritten.push(role);
      }
      report.add((await systemctl(null, "daemon-reload", ["daemon-reload"])).step);
      report.add(
        (await systemctl(null, "enable", ["enable", "--now", ...units(START_ORDER)])).step,
      );
      // enable --now leaves running units alone; changed ones must restart to take effect.
      if (rewritten.length > 0) {
        report.add(
          (await systemctl(null, "try-restart", ["try-restart", ...units(rewritten)])).step,
        );
      }
      return report.done();
    },

    async start(roles) {
      const report = createReport();
      const ordered = orderRoles(roles, START_ORDER);
      if (ordered.length > 0) {
        report.add((await systemctl(null, "start", ["start", ...units(ordered)])).step);
      }
      return report.done();
    },

    async stop(roles) {
      const report = createReport();
      const ordered = orderRoles(roles, STOP_ORDER);
      if (ordered.length > 0) report.add(await stopUnits(ordered));
      return report.done();
    },

    async uninstall({ graceful }) {
      const report = createReport();
      // Graceful disables the edge (no start at next login) but leaves it running.
      report.add(await stopUnits(uninstallStopRoles(graceful)));
      const present: Role[] = [];
      for (const role of STOP_ORDER) {
        if (await files.exists(unitPath(role))) present.push(role);
      }
      if (present.length > 0) {
        report.add((await systemctl(null, "disable", ["disable", ...units(present)])).step);
      }
      for (const role of STOP_ORDER) {
        report.add(await removeEntryFile(files, role, unitPath(role), present.includes(role)));
      }
      report.add((await systemctl(null, "daemon-reload", ["daemon-reload"])).step);
      return report.done();
    },

    async status(role): Promise<ServiceStatus> {
      const result = await runner.run("systemctl", [
        "--user",
        "show",
        systemdUnitName(role),
        "--property=LoadState,ActiveState,SubState,MainPID",
      ]);
      if (result.code !== 0) {
        return { role, state: "unknown", detail: describeResult("systemctl --user show", result) };
      }
      const props = new Map<string, string>();
      for (const line of result.stdout.split("\n")) {
        const eq = line.indexOf("=");
        if (eq > 0) props.set(line.slice(0, eq), line.slice(eq + 1).trim());
      }
      const load = props.get("LoadState") ?? "";
      const active = props.get("ActiveState") ?? "";
      const detail = `${active} (${props.get("SubState") ?? "?"})`;
      if (load === "not-found") return { role, state: "not_installed" };
      if (load === "" || active === "") return { role, state: "unknown", detail: result.stdout };
      if (!ACTIVE.has(active)) return { role, state: "stopped", detail };
      const pid = Number(props.get("MainPID") ?? "0");
      return pid > 0 ? { role, state: "running", pid, detail } : { role, state: "running", detail };
    },
  };
}
