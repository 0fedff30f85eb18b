/**
 * The report commands (`usage`, `usage blocks`, `watch`, `reconcile`) on a CLI of their own, so
 * that they start without loading what the other commands need (init, doctor, setup, policy,
 * zod): `main.ts` picks this one when the command is a report. The full CLI (cli.ts) registers
 * the same commands, for `halton-meter --help` and any other way in.
 */
import { Command } from "commander";
import { parseProgram } from "./_parse_program.ts";
import { VERSION } from "../core/mod.ts";
import { registerUsageCommands } from "./usage/register.ts";
import { registerWatchCommand } from "./watch/register.ts";
import { registerReconcileCommand } from "./reconcile/register.ts";

export async function runReportsCli(args: string[]): Promise<number> {
  let code = 0;
  const program = new Command()
    .name("halton-meter")
    .version(VERSION, "-V, --version")
    .exitOverride()
    .enablePositionalOptions()
    .showHelpAfterError();
  registerUsageCommands(program, (c) => code = c);
  registerWatchCommand(program, (c) => code = c);
  registerReconcileCommand(program, (c) => code = c);
  return await parseProgram(program, args, () => code);
}
