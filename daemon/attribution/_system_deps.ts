import type { ProcessAttributorDeps } from "./create_process_attributor.ts";

/** The real machine for the process attributor (everything but the logger). */
export function systemAttributorDeps(): Omit<ProcessAttributorDeps, "log"> {
  let uid: number | null = null;
  try {
    uid = Deno.uid();
  } catch { /* no --allow-sys: treated as unknown */ }
  const env = (name: string) => {
    try {
      return Deno.env.get(name) ?? null;
    } catch {
      return null;
    }
  };
  const tmp = env("TMPDIR");
  return {
    os: Deno.build.os,
    readFile: (path) => Deno.readTextFile(path),
    readLink: (path) => Deno.readLink(path),
    async readDir(path) {
      const names: string[] = [];
      for await (const entry of Deno.readDir(path)) names.push(entry.name);
      return names;
    },
    async exists(path) {
      try {
        await Deno.lstat(path);
        return true;
      } catch {
        return false;
      }
    },
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
    ownPids: () => [Deno.pid],
    homeDir: env("HOME"),
    otherRoots: tmp ? [tmp] : [],
  };
}
