import { z } from "zod";
import { isAbsolutePath, joinPath } from "./_path.ts";
import { type LaunchCommand, launchCommand, type LaunchContext } from "./launch_command.ts";
import { type Role, ROLES } from "./roles.ts";

/** Everything a renderer or backend needs to register the four roles with a service manager. */
export interface ServiceSpec {
  /** State directory; exported to every role as `HALTON_METER_HOME`. Absolute. */
  home: string;
  /** Where service managers send the roles' stdout/stderr. Absolute. */
  logDir: string;
  /** Environment for every role; `HALTON_METER_HOME` first, the rest sorted by name. */
  env: Record<string, string>;
  roles: Record<Role, LaunchCommand>;
  /** Account the Windows logon trigger is for (`DOMAIN\user`); only Task Scheduler needs it. */
  user?: string;
}

export interface ServiceSpecInput {
  home: string;
  /** Defaults to `<home>/logs`. */
  logDir?: string;
  /** Extra variables for the roles; `HALTON_METER_HOME` here is overridden by `home`. */
  env?: Record<string, string>;
  launch: LaunchContext;
  user?: string;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Builds a validated spec; throws on a relative path or an invalid variable name. */
export function createServiceSpec(input: ServiceSpecInput): ServiceSpec {
  const logDir = input.logDir ?? joinPath(input.home, "logs");
  for (const [what, path] of [["home", input.home], ["logDir", logDir]] as const) {
    if (!isAbsolutePath(path)) {
      throw new Error(`Cannot build the service spec: ${what} "${path}" is not an absolute path`);
    }
  }
  const env: Record<string, string> = { HALTON_METER_HOME: input.home };
  const extra = input.env ?? {};
  for (const name of Object.keys(extra).sort()) {
    if (!ENV_NAME.test(name)) {
      throw new Error(
        `Cannot build the service spec: "${name}" is not a valid environment variable name`,
      );
    }
    if (name !== "HALTON_METER_HOME") env[name] = extra[name];
  }
  const roles = Object.fromEntries(ROLES.map((role) => [role, launchCommand(role, input.launch)]));
  const spec: ServiceSpec = { home: input.home, logDir, env, roles: roles as ServiceSpec["roles"] };
  if (input.user !== undefined) spec.user = input.user;
  return spec;
}

const launchCommandSchema = z.object({ program: z.string(), args: z.array(z.string()) });

/** Narrows a stored spec (the direct backend keeps one on disk). */
export const serviceSpecSchema: z.ZodType<ServiceSpec> = z.object({
  home: z.string(),
  logDir: z.string(),
  env: z.record(z.string(), z.string()),
  roles: z.object({
    edge: launchCommandSchema,
    daemon: launchCommandSchema,
    watchdog: launchCommandSchema,
    userenv: launchCommandSchema,
  }),
  user: z.string().optional(),
});

/** Standard output and error files for a role under `spec.logDir`. */
export function roleLogPaths(spec: ServiceSpec, role: Role): { stdout: string; stderr: string } {
  return {
    stdout: joinPath(spec.logDir, `${role}.stdout.log`),
    stderr: joinPath(spec.logDir, `${role}.stderr.log`),
  };
}
