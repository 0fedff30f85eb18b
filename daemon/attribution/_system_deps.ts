import type { MachineDeps } from "./_process_lookup.ts";

export interface SystemDepsOptions {
  /**
   * Use blocking file calls: several times faster per call (no thread-pool round trip), and
   * right in the lookup worker, whose thread has nothing else to do. Never on the main thread.
   */
  blocking?: boolean;
  /** Called before each file call; throws to stop a lookup (its deadline passed). */
  check?: () => void;
}

/** The real machine. */
export function systemMachineDeps(opts: SystemDepsOptions = {}): MachineDeps {
  const check = opts.check ?? (() => {});
  let uid: number | null = null;
  try {
    uid = Deno.uid();
  } catch { /* no --allow-sys: unknown */ }
  const env = (name: string) => {
    try {
      return Deno.env.get(name) ?? null;
    } catch {
      return null;
    }
  };
  const tmp = env("TMPDIR");
  const fs: Pick<MachineDeps, "readFile" | "readLink" | "readDir" | "exists"> = opts.blocking
    ? {
      // Not blocking: the socket tables take the kernel milliseconds to write, and the lookup
      // reads processes meanwhile.
      readFile: (path) => (check(), Deno.readTextFile(path)),
      readLink: (path) => (check(), Promise.resolve(Deno.readLinkSync(path))),
      readDir: (path) => {
        check();
        return Promise.resolve(Array.from(Deno.readDirSync(path), (e) => e.name));
      },
      exists: (path) => {
        check();
        try {
          Deno.lstatSync(path);
          return Promise.resolve(true);
        } catch {
          return Promise.resolve(false);
        }
      },
    }
    : {
      readFile: (path) => (check(), Deno.readTextFile(path)),
      readLink: (path) => (check(), Deno.readLink(path)),
      async readDir(path) {
        check();
        const names: string[] = [];
        for await (const entry of Deno.readDir(path)) names.push(entry.name);
        return names;
      },
      async exists(path) {
        check();
        try {
          await Deno.lstat(path);
          return true;
        } catch {
          return false;
        }
      },
    };
  return {
    ...fs,
    scanConcurrency: opts.blocking ? 1 : 8,
    os: Deno.build.os,
    async runCommand(cmd, args, signal) {
      try {
        const out = await new Deno.Command(cmd, {
          args,
          signal,
          stdin: "null",
          stdout: "piped",
          stderr: "null",
        }).output();
        return { code: out.code, stdout: new TextDecoder().decode(out.stdout) };
      } catch (err) {
        if (err instanceof Deno.errors.NotFound) return { code: 127, stdout: "" };
        throw err;
      }
    },
    now: () => Date.now(),
    uid,
    homeDir: env("HOME"),
    otherRoots: tmp ? [tmp] : [],
  };
}
