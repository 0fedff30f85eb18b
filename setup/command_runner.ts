/** Options for one command; `stdin` is written then closed. */
export interface RunOptions {
  env?: Record<string, string>;
  cwd?: string;
  stdin?: string;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Every external command setup runs goes through this, so tests can record and script them. */
export interface CommandRunner {
  run(cmd: string, args: string[], opts?: RunOptions): Promise<CommandResult>;
}

/** Exit code reported when the program does not exist (as a shell would). */
export const COMMAND_NOT_FOUND = 127;

/** The real runner. A missing program is data (`code` 127), not an exception. */
export function createCommandRunner(): CommandRunner {
  return {
    async run(cmd, args, opts = {}) {
      const command = new Deno.Command(cmd, {
        args,
        env: opts.env,
        cwd: opts.cwd,
        stdin: opts.stdin === undefined ? "null" : "piped",
        stdout: "piped",
        stderr: "piped",
      });
      let child: Deno.ChildProcess;
      try {
        child = command.spawn();
      } catch (err) {
        if (err instanceof Deno.errors.NotFound) {
          return { code: COMMAND_NOT_FOUND, stdout: "", stderr: `${cmd}: command not found` };
        }
        throw new Error(`Cannot run ${cmd}: ${String(err)}`, { cause: err });
      }
      if (opts.stdin !== undefined) {
        const writer = child.stdin.getWriter();
        await writer.write(new TextEncoder().encode(opts.stdin));
        await writer.close();
      }
      const out = await child.output();
      const decoder = new TextDecoder();
      return {
        code: out.code,
        stdout: decoder.decode(out.stdout),
        stderr: decoder.decode(out.stderr),
      };
    },
  };
}
