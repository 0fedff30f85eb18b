export type Role = "edge" | "daemon" | "watchdog" | "userenv";

// How to launch a role lives in setup/launch_command.ts (launchCommand).

/** A compiled binary is not named `deno`; a source run is. */
export function isCompiled(execPath: string): boolean {
  const base = execPath.split(/[\\/]/).pop() ?? "";
  return !/^deno(\.exe)?$/i.test(base);
}
