import { isAbsolutePath, toPath } from "./_path.ts";
import type { LaunchContext } from "../core/mod.ts";
import type { Role } from "./roles.ts";

export type { LaunchContext };

/** How a service manager starts one role. `program` is an absolute path. */
export interface LaunchCommand {
  program: string;
  args: string[];
}

/** Permissions the roles need when run from source (`deno run`); a compiled binary has them baked in. */
export const SOURCE_PERMISSIONS: readonly string[] = [
  "--allow-net",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-run",
  "--allow-sys",
];

/**
 * What the daemon runs with from source: it reads other processes' `/proc` entries to find the
 * project of the process behind each call (docs/PROJECTS.md), which Deno allows only with all
 * permissions. It gives nothing away: `--allow-run`, which every role has, already lets a role
 * do anything a subprocess can.
 */
export const DAEMON_SOURCE_PERMISSIONS: readonly string[] = ["--allow-all"];

/** The `deno run` permissions of `role` from source. */
export function sourcePermissions(role: Role): readonly string[] {
  return role === "daemon" ? DAEMON_SOURCE_PERMISSIONS : SOURCE_PERMISSIONS;
}

/**
 * The command a service manager runs for `role`: the binary itself when compiled,
 * `deno run <permissions> /abs/main.ts` from a source checkout.
 */
export function launchCommand(role: Role, ctx: LaunchContext): LaunchCommand {
  if (!isAbsolutePath(ctx.execPath)) {
    throw new Error(
      `Cannot build the ${role} launch command: executable path "${ctx.execPath}" is not absolute; pass Deno.execPath()`,
    );
  }
  if (ctx.compiled) return { program: ctx.execPath, args: ["--role", role] };
  const main = toPath(ctx.mainModule);
  if (!isAbsolutePath(main)) {
    throw new Error(
      `Cannot build the ${role} launch command: main module "${ctx.mainModule}" is not an absolute path or file: URL; pass the launch context main.ts builds`,
    );
  }
  return { program: ctx.execPath, args: ["run", ...sourcePermissions(role), main, "--role", role] };
}
