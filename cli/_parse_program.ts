/**
 * Runs a commander program on the arguments and turns its outcome into an exit code, for the
 * full CLI (cli.ts) and the report CLI (reports_cli.ts) alike.
 */
import { type Command, CommanderError } from "commander";

/** `code()` is read after the action ran; commander's own exits (help, usage errors) map to 0/2. */
export async function parseProgram(
  program: Command,
  args: string[],
  code: () => number,
): Promise<number> {
  try {
    await program.parseAsync(args, { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? 0 : (err.exitCode || 2);
    }
    console.error(`halton-meter: ${(err as Error).message}`);
    return 1;
  }
  return code();
}
