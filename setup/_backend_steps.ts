import type { CommandResult, CommandRunner } from "./command_runner.ts";
import type { FileDeps } from "./file_deps.ts";
import { orderRoles, type Role, STOP_ORDER } from "./roles.ts";
import {
  type BackendReport,
  type BackendStep,
  createReport,
  describeResult,
} from "./service_backend.ts";

/** A finished service-manager command and the step it becomes in a report. */
export interface CommandStep {
  result: CommandResult;
  step: BackendStep;
}

/**
 * Runs `program args` and turns it into a step: `done` on exit 0, `failed` otherwise, the
 * detail being the command line and, on failure, what it said. The result is returned as
 * well so callers can tell "already absent" from a real failure.
 */
export async function runCommandStep(
  runner: CommandRunner,
  role: Role | null,
  action: string,
  program: string,
  args: string[],
): Promise<CommandStep> {
  const result = await runner.run(program, args);
  const step: BackendStep = {
    role,
    action,
    outcome: result.code === 0 ? "done" : "failed",
    detail: describeResult([program, ...args].join(" "), result),
  };
  return { result, step };
}

/**
 * The step, `skipped` instead of `failed` when the command failed because its target is
 * not there (stopping or deleting what is already gone is done); the detail keeps what the
 * manager said.
 */
export function skipIfAbsent(
  { result, step }: CommandStep,
  absent: (result: CommandResult) => boolean,
): BackendStep {
  return result.code !== 0 && absent(result) ? { ...step, outcome: "skipped" } : step;
}

/** One step per role, the roles deduplicated and taken in `order`, in one report. */
export async function stepEachRole(
  roles: readonly Role[],
  order: readonly Role[],
  step: (role: Role) => Promise<BackendStep>,
): Promise<BackendReport> {
  const report = createReport();
  for (const role of orderRoles(roles, order)) report.add(await step(role));
  return report.done();
}

/**
 * The roles `uninstall` stops, in stop order. Graceful leaves the edge running, so apps
 * keep a passthrough proxy until logout or reboot; its entry is still removed.
 */
export function uninstallStopRoles(graceful: boolean): readonly Role[] {
  return graceful ? STOP_ORDER.filter((role) => role !== "edge") : STOP_ORDER;
}

/**
 * Removes a role's entry file (plist, unit) and says so; one that is not there is a
 * `skipped` step. `present` is passed in because systemd must know it before `disable`.
 */
export async function removeEntryFile(
  files: FileDeps,
  role: Role,
  path: string,
  present: boolean,
): Promise<BackendStep> {
  if (!present) return { role, action: "remove", outcome: "skipped", detail: `${path} absent` };
  await files.removeFile(path);
  return { role, action: "remove", outcome: "done", detail: path };
}
