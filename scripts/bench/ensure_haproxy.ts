export type HaproxyStatus =
  | { kind: "found"; path: string; version: string }
  | { kind: "missing"; hint: string };

export interface EnsureHaproxyDeps {
  run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  uid(): number | null;
  log(msg: string): void;
}

const CANDIDATES = ["haproxy", "/usr/sbin/haproxy", "/usr/local/sbin/haproxy"];
const HINT = "install it with `sudo apt-get install -y haproxy` (Debian/Ubuntu) and re-run; " +
  "the HAProxy column is skipped until then";

async function probe(deps: EnsureHaproxyDeps): Promise<HaproxyStatus | null> {
  for (const path of CANDIDATES) {
    try {
      const r = await deps.run(path, ["-v"]);
      const first = (r.stdout + r.stderr).split("\n")[0] ?? "";
      const m = /HAProxy version (\S+)/.exec(first);
      if (r.code === 0 && m) return { kind: "found", path, version: m[1] };
    } catch { /* not at this path */ }
  }
  return null;
}

/**
 * Finds haproxy; as root with apt-get available, installs the Debian package
 * first. Otherwise reports how to install it (the bench then skips that path).
 */
export async function ensureHaproxy(deps: EnsureHaproxyDeps): Promise<HaproxyStatus> {
  const found = await probe(deps);
  if (found) return found;
  const hasApt = await deps.run("apt-get", ["--version"]).then((r) => r.code === 0, () => false);
  if (deps.uid() !== 0 || !hasApt) return { kind: "missing", hint: `haproxy not found: ${HINT}` };
  deps.log("bench: haproxy not found; installing the Debian package with apt-get");
  const update = await deps.run("apt-get", ["update", "-q"]);
  const install = update.code === 0
    ? await deps.run("apt-get", ["install", "-y", "-q", "haproxy"])
    : update;
  if (install.code !== 0) {
    return {
      kind: "missing",
      hint: `apt-get could not install haproxy (exit ${install.code}: ${
        install.stderr.trim().split("\n").pop() ?? ""
      }); ${HINT}`,
    };
  }
  return (await probe(deps)) ??
    { kind: "missing", hint: `haproxy still not found after apt-get install; ${HINT}` };
}

export function defaultEnsureHaproxyDeps(): EnsureHaproxyDeps {
  return {
    async run(cmd, args) {
      const out = await new Deno.Command(cmd, {
        args,
        env: { DEBIAN_FRONTEND: "noninteractive" },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      const dec = new TextDecoder();
      return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
    },
    uid: () => Deno.uid(),
    log: (msg) => console.error(msg),
  };
}
