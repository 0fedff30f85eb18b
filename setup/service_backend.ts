import type { Role } from "./roles.ts";
import type { ServiceSpec } from "./service_spec.ts";

export type BackendName = "launchd" | "systemd" | "schtasks" | "direct";

export const BACKEND_NAMES: readonly BackendName[] = ["launchd", "systemd", "schtasks", "direct"];

export type ServiceState = "running" | "stopped" | "not_installed" | "unknown";

export interface ServiceStatus {
  role: Role;
  state: ServiceState;
  pid?: number;
  /** What the service manager said, for `status`/`doctor` detail columns. */
  detail?: string;
}

/** What one step did; a refused command is a `failed` step, not an exception. */
export interface BackendStep {
  /** `null` for steps that concern all roles at once (`daemon-reload`). */
  role: Role | null;
  action: string;
  outcome: "done" | "skipped" | "failed";
  detail: string;
}

export interface BackendReport {
  ok: boolean;
  steps: BackendStep[];
}

/**
 * A file a backend writes for a role, so `doctor` can compare it with what is on disk.
 * `content` is the rendered text; the Task Scheduler backend stores it UTF-16LE with a BOM
 * (`encodeTaskXml`), so decode the file before comparing.
 */
export interface EntryFile {
  path: string;
  content: string;
}

/**
 * A service manager. `install` registers all four roles and brings them up the way the
 * manager would at login; `uninstall({ graceful: true })` removes every entry but leaves
 * the running edge alone, so apps keep a passthrough proxy until logout or reboot.
 */
export interface ServiceBackend {
  readonly name: BackendName;
  install(spec: ServiceSpec): Promise<BackendReport>;
  start(roles: readonly Role[]): Promise<BackendReport>;
  stop(roles: readonly Role[]): Promise<BackendReport>;
  uninstall(opts: { graceful: boolean }): Promise<BackendReport>;
  status(role: Role): Promise<ServiceStatus>;
  /** Where and what `install` writes for `role`; `null` for backends without entry files. */
  entryFile(spec: ServiceSpec, role: Role): EntryFile | null;
}

/** Collects steps in order; the report is `ok` when no step failed. */
export function createReport(): { add(step: BackendStep): void; done(): BackendReport } {
  const steps: BackendStep[] = [];
  return {
    add(step) {
      steps.push(step);
    },
    done: () => ({ ok: steps.every((s) => s.outcome !== "failed"), steps: [...steps] }),
  };
}

/** A one-line description of a finished command for a step's `detail`. */
export function describeResult(
  line: string,
  result: { code: number; stdout: string; stderr: string },
): string {
  if (result.code === 0) return line;
  const said = (result.stderr.trim() || result.stdout.trim()).split("\n")[0] ?? "";
  return `${line} exited ${result.code}${said ? `: ${said}` : ""}`;
}
