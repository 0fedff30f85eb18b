import {
  runCommandStep,
  skipIfAbsent,
  stepEachRole,
  uninstallStopRoles,
} from "./_backend_steps.ts";
import { joinPath } from "./_path.ts";
import type { CommandResult, CommandRunner } from "./command_runner.ts";
import type { FileDeps } from "./file_deps.ts";
import { encodeTaskXml, renderTaskSchedulerXml } from "./render_task_scheduler_xml.ts";
import { type Role, START_ORDER, STOP_ORDER } from "./roles.ts";
import {
  type BackendStep,
  createReport,
  describeResult,
  type ServiceBackend,
  type ServiceStatus,
} from "./service_backend.ts";
import { scheduledTaskName } from "./service_names.ts";
import type { ServiceSpec } from "./service_spec.ts";

export interface TaskSchedulerBackendOptions {
  runner: CommandRunner;
  files: FileDeps;
  /** Where the task XML files are kept (for `/Create /XML` and for `doctor`), e.g. `<home>\service`. */
  taskDir: string;
}

// schtasks exits 1 for every error and its messages are localised; these are the English
// ones for "no such task" and "not running". Anything else stays a failure.
function absent(result: CommandResult): boolean {
  return /cannot find|does not exist|not running/i.test(result.stderr + result.stdout);
}

/** Windows Task Scheduler tasks in the `\Halton Meter\` folder, driven with `schtasks`. */
export function taskSchedulerBackend(opts: TaskSchedulerBackendOptions): ServiceBackend {
  const { runner, files, taskDir } = opts;
  const xmlPath = (role: Role) => joinPath(taskDir, `${role}.xml`);

  const schtasks = (role: Role, action: string, args: string[]) =>
    runCommandStep(runner, role, action, "schtasks", args);

  const tolerant = async (role: Role, action: string, args: string[]): Promise<BackendStep> =>
    skipIfAbsent(await schtasks(role, action, args), absent);

  const end = (role: Role) => tolerant(role, "end", ["/End", "/TN", scheduledTaskName(role)]);
  const run = async (role: Role) =>
    (await schtasks(role, "run", ["/Run", "/TN", scheduledTaskName(role)])).step;

  return {
    name: "schtasks",
    entryFile: (spec, role) => ({
      path: xmlPath(role),
      content: renderTaskSchedulerXml(spec, role),
    }),

    async install(spec: ServiceSpec) {
      const report = createReport();
      await files.mkdir(taskDir);
      await files.mkdir(spec.logDir);
      for (const role of START_ORDER) {
        const path = xmlPath(role);
        await files.writeFile(path, encodeTaskXml(renderTaskSchedulerXml(spec, role)));
        // /F replaces an existing definition without stopping its running instance.
        report.add(
          (await schtasks(role, "create", [
            "/Create",
            "/XML",
            path,
            "/TN",
            scheduledTaskName(role),
            "/F",
          ])).step,
        );
      }
      // The logon trigger only fires at the next logon; run now, as launchd's RunAtLoad
      // does. IgnoreNew makes this a no-op for a task that is already running.
      for (const role of START_ORDER) report.add(await run(role));
      return report.done();
    },

    start: (roles) => stepEachRole(roles, START_ORDER, run),
    stop: (roles) => stepEachRole(roles, STOP_ORDER, end),

    async uninstall({ graceful }) {
      const report = createReport();
      for (const role of uninstallStopRoles(graceful)) report.add(await end(role));
      for (const role of STOP_ORDER) {
        report.add(
          await tolerant(role, "delete", ["/Delete", "/TN", scheduledTaskName(role), "/F"]),
        );
        await files.removeFile(xmlPath(role));
      }
      return report.done();
    },

    async status(role): Promise<ServiceStatus> {
      const result = await runner.run("schtasks", [
        "/Query",
        "/TN",
        scheduledTaskName(role),
        "/FO",
        "CSV",
        "/NH",
      ]);
      if (result.code !== 0) {
        return /cannot find|does not exist/i.test(result.stderr)
          ? { role, state: "not_installed" }
          : { role, state: "unknown", detail: describeResult("schtasks /Query", result) };
      }
      // `"\Halton Meter\edge","N/A","Running"`: the last field is the status.
      const fields = [...result.stdout.trim().matchAll(/"([^"]*)"/g)].map((m) => m[1]);
      const status = fields.at(-1) ?? "";
      if (/^running$/i.test(status)) return { role, state: "running", detail: status };
      if (/^(ready|disabled|queued)$/i.test(status)) {
        return { role, state: "stopped", detail: status };
      }
      return { role, state: "unknown", detail: status || result.stdout.trim() };
    },
  };
}
