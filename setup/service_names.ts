import type { Role } from "./roles.ts";

/** launchd labels: the daemon owns the bare product label (it is what users look up). */
export function launchdLabel(role: Role): string {
  return role === "daemon" ? "com.haltonlabs.meter" : `com.haltonlabs.meter.${role}`;
}

export function systemdUnitName(role: Role): string {
  return `halton-meter-${role}.service`;
}

/** Task Scheduler folder that holds our tasks, so they are easy to find in taskschd.msc. */
export const TASK_FOLDER = "Halton Meter";

/** Task name as `schtasks /TN` takes it (relative to the root folder). */
export function scheduledTaskName(role: Role): string {
  return `${TASK_FOLDER}\\${role}`;
}
