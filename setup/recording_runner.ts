import type { CommandResult, CommandRunner, RunOptions } from "./command_runner.ts";

export interface RecordedCall {
  cmd: string;
  args: string[];
  opts?: RunOptions;
}

/** Decides what a scripted command returns; `undefined` means success with no output. */
export type Responder = (
  cmd: string,
  args: string[],
) => Partial<CommandResult> | undefined;

export interface RecordingRunner extends CommandRunner {
  /** Every call, in order. */
  readonly calls: RecordedCall[];
  /** The calls as shell-like lines (`launchctl bootout gui/501/x`), handy for exact assertions. */
  lines(): string[];
}

/** A fake `CommandRunner` for tests: records calls and answers from `respond`. */
export function createRecordingRunner(respond: Responder = () => undefined): RecordingRunner {
  const calls: RecordedCall[] = [];
  return {
    calls,
    lines: () => calls.map((c) => [c.cmd, ...c.args].join(" ")),
    run(cmd, args, opts) {
      calls.push(opts === undefined ? { cmd, args: [...args] } : { cmd, args: [...args], opts });
      const answer = respond(cmd, args) ?? {};
      return Promise.resolve({
        code: answer.code ?? 0,
        stdout: answer.stdout ?? "",
        stderr: answer.stderr ?? "",
      });
    },
  };
}
