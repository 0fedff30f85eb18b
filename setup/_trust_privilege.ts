import type { CommandRunner } from "./command_runner.ts";
import { shellLine } from "./_shell_quote.ts";

/**
 * How system-store commands run. Root runs them as they are; a user whose sudo works
 * without a prompt (cached credentials or NOPASSWD) gets `sudo -n`, because init may run
 * without a terminal and a password prompt there would hang; anyone else gets a
 * `manual` step with the exact `sudo` line to paste.
 */
export type Privilege = "root" | "sudo" | "manual";

export async function probePrivilege(runner: CommandRunner, isRoot: boolean): Promise<Privilege> {
  if (isRoot) return "root";
  const probe = await runner.run("sudo", ["-n", "true"]);
  return probe.code === 0 ? "sudo" : "manual";
}

/** The command as run under `privilege` (`manual` is shown as plain `sudo`). */
export function elevated(privilege: Privilege, argv: readonly string[]): string[] {
  if (privilege === "root") return [...argv];
  return privilege === "sudo" ? ["sudo", "-n", ...argv] : ["sudo", ...argv];
}

/** One pasteable line: every command under plain `sudo`, stopping at the first failure. */
export function manualLine(commands: readonly (readonly string[])[]): string {
  return commands.map((argv) => shellLine(["sudo", ...argv])).join(" && ");
}
