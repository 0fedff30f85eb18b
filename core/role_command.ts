export type Role = "edge" | "daemon" | "watchdog" | "userenv";

/** Permissions the roles run with from a source checkout (everything but FFI). */
export const RUN_PERMISSIONS: readonly string[] = [
  "--allow-net",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-run",
  "--allow-sys",
];

export interface RoleCommandInput {
  /** `Deno.execPath()`: the deno binary, or the compiled halton-meter binary. */
  execPath: string;
  /** Absolute path of main.ts (source checkout). */
  mainPath: string;
  /** True when running as a `deno compile` binary. */
  compiled: boolean;
}

/** How to start a role: the compiled binary with `--role`, or `deno run ... main.ts --role`. */
export function roleCommand(
  role: Role,
  input: RoleCommandInput,
): { program: string; args: string[] } {
  if (input.compiled) return { program: input.execPath, args: ["--role", role] };
  return {
    program: input.execPath,
    args: ["run", "--quiet", ...RUN_PERMISSIONS, input.mainPath, "--role", role],
  };
}

/** A compiled binary is not named `deno`; a source run is. */
export function isCompiled(execPath: string): boolean {
  const base = execPath.split(/[\\/]/).pop() ?? "";
  return !/^deno(\.exe)?$/i.test(base);
}
