/** Starts real Halton Meter processes (`deno run main.ts ...`) for black-box tests. */
import { SOURCE_PERMISSIONS } from "../../setup/mod.ts";

export const MAIN = new URL("../../main.ts", import.meta.url).pathname;

export interface RoleProcess {
  port: number;
  pid: number;
  process: Deno.ChildProcess;
  /** Everything the process printed on stdout so far. */
  stdout(): string;
  stderr(): string;
  /** SIGTERM (default) and wait; returns the exit code. */
  stop(signal?: Deno.Signal): Promise<number>;
}

/** Where and how a test runs the program: main.ts (default) or the bundle, from a directory. */
export interface EntryOptions {
  /** The entry module: main.ts, or a bundle built from it. */
  entry?: string;
  /** The working directory (default: the test's). */
  cwd?: string;
  /** A command prefix the run goes through (e.g. `unshare -m ...`), which must exec it. */
  wrap?: string[];
}

export function spawnMain(
  args: string[],
  home: string,
  extraEnv: Record<string, string> = {},
  where: EntryOptions = {},
) {
  const argv = [
    Deno.execPath(),
    "run",
    "--quiet",
    ...SOURCE_PERMISSIONS,
    where.entry ?? MAIN,
    ...args,
  ];
  const [program, ...rest] = [...(where.wrap ?? []), ...argv];
  return new Deno.Command(program, {
    args: rest,
    cwd: where.cwd,
    env: { HALTON_METER_HOME: home, NO_COLOR: "1", ...extraEnv },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/**
 * Runs `main.ts` with `args` and waits until it prints a line matching `ready`
 * (default: a role's HALTON_READY line) or exits.
 */
export async function startMain(
  args: string[],
  home: string,
  opts: { ready?: RegExp; env?: Record<string, string>; timeoutMs?: number } & EntryOptions = {},
): Promise<RoleProcess> {
  const ready = opts.ready ?? /HALTON_READY \{.*"port":(\d+)/;
  const process = spawnMain(args, home, opts.env, opts);
  let out = "";
  let err = "";
  let port = -1;
  let readyResolve!: () => void;
  const readyP = new Promise<void>((r) => (readyResolve = r));
  const pump = async (stream: ReadableStream<Uint8Array>, which: "out" | "err") => {
    const dec = new TextDecoder();
    for await (const chunk of stream) {
      const text = dec.decode(chunk, { stream: true });
      if (which === "out") out += text;
      else err += text;
      const m = ready.exec(out);
      if (m) {
        if (m[1]) port = Number(m[1]);
        readyResolve();
      }
    }
  };
  const pumps = Promise.all([pump(process.stdout, "out"), pump(process.stderr, "err")]);
  const status = process.status;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outcome = await Promise.race([
    readyP.then(() => "ready" as const),
    status.then(() => "exited" as const),
    new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), timeoutMs))),
  ]);
  clearTimeout(timer);
  const stop = async (signal: Deno.Signal = "SIGTERM") => {
    try {
      process.kill(signal);
    } catch { /* gone */ }
    const s = await status;
    // A grandchild that inherited our pipes could hold them open; do not wait on it forever.
    let t: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([pumps, new Promise((r) => (t = setTimeout(r, 3000)))]);
    clearTimeout(t);
    return s.code;
  };
  if (outcome !== "ready") {
    await stop("SIGKILL");
    throw new Error(`main.ts ${args.join(" ")} did not become ready (${outcome}):\n${out}\n${err}`);
  }
  return { port, pid: process.pid, process, stdout: () => out, stderr: () => err, stop };
}
