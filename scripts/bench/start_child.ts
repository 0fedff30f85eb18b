import type { CleanupScope } from "./cleanup_scope.ts";

export interface Child {
  pid: number;
  /** stdout and stderr so far (capped), for error messages. */
  output(): string;
  /** Resolves with the first match of `pattern` in stdout; rejects on exit or timeout. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  /** Has the process exited? Resolves with its exit code. */
  status: Promise<number>;
}

const OUTPUT_CAP = 64 * 1024;

/** Sends SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopProcess(
  process: Deno.ChildProcess,
  graceMs = 3000,
): Promise<void> {
  const signal = (s: Deno.Signal) => {
    try {
      process.kill(s);
    } catch { /* already exited */ }
  };
  signal("SIGTERM");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = await Promise.race([
    process.status.then(() => false),
    new Promise<boolean>((r) => (timer = setTimeout(() => r(true), graceMs))),
  ]);
  clearTimeout(timer);
  if (late) {
    signal("SIGKILL");
    await process.status;
  }
}

/**
 * Spawns a helper process whose stop is registered in `scope`. stdin is a pipe we
 * close at stop: helpers of ours exit on stdin EOF, so they also die with a
 * SIGKILLed bench.
 */
export function startChild(
  scope: CleanupScope,
  what: string,
  cmd: string,
  args: string[],
  env?: Record<string, string>,
): Child {
  const process = new Deno.Command(cmd, {
    args,
    env,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdin = process.stdin.getWriter();
  let out = "";
  let all = "";
  const waiters = new Set<() => void>();
  const pump = async (stream: ReadableStream<Uint8Array>, isOut: boolean) => {
    const dec = new TextDecoder();
    for await (const chunk of stream) {
      const text = dec.decode(chunk, { stream: true });
      if (isOut && out.length < OUTPUT_CAP) out += text;
      if (all.length < OUTPUT_CAP) all += text;
      for (const w of waiters) w();
    }
  };
  const pumps = Promise.all([pump(process.stdout, true), pump(process.stderr, false)]);
  const status = process.status.then((s) => s.code);
  scope.defer(what, async () => {
    await stdin.close().catch(() => {});
    await stopProcess(process);
    await pumps;
  });
  return {
    pid: process.pid,
    output: () => all,
    status,
    waitFor(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const done = () => {
          waiters.delete(check);
          clearTimeout(timer);
        };
        const check = () => {
          const m = pattern.exec(out);
          if (m) {
            done();
            resolve(m);
          }
        };
        waiters.add(check);
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${what} did not print ${pattern} within ${timeoutMs} ms:\n${all}`));
        }, timeoutMs);
        // Wait for the pipes too, so a ready line printed just before exiting still counts.
        pumps.then(() => status).then((code) => {
          if (!waiters.has(check)) return;
          check();
          if (!waiters.has(check)) return;
          done();
          reject(new Error(`${what} exited with code ${code} before it was ready:\n${all}`));
        });
        check();
      });
    },
  };
}
