/**
 * Who holds a loopback TCP listening port. Linux: the LISTEN socket's inode from
 * `/proc/net/tcp{,6}`, then the process whose `/proc/<pid>/fd` links to it (the likely
 * owners are tried first, so the usual case reads a few directories, not all of /proc).
 * Elsewhere: `lsof`. A socket owned by another user shows up with no pid.
 */
import type { CommandRunner } from "../setup/mod.ts";
import { readText as readFileText } from "./_probes.ts";

export type PortOwner =
  | { kind: "free" }
  /** `pids` is empty when the socket exists but its process is not visible to us. */
  | { kind: "held"; pids: number[]; commands: string[] }
  | { kind: "unknown"; detail: string };

export interface PortOwnerDeps {
  os: string;
  runner: CommandRunner;
  /** Defaults to real reads; tests point them at fixture text. */
  readText?: (path: string) => string | null;
  listPids?: () => number[];
  readLinks?: (pid: number) => string[];
}

const LISTEN = "0A";

/** Inodes of LISTEN sockets on `port` in a `/proc/net/tcp`-format table. */
export function listeningInodes(table: string, port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  const out: string[] = [];
  for (const line of table.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    if (f[3] !== LISTEN) continue;
    if (f[1].split(":").at(-1) !== hexPort) continue;
    if (f[9] !== "0") out.push(f[9]);
  }
  return out;
}

function realListPids(): number[] {
  const pids: number[] = [];
  try {
    for (const e of Deno.readDirSync("/proc")) if (/^\d+$/.test(e.name)) pids.push(Number(e.name));
  } catch { /* no /proc */ }
  return pids;
}

function realReadLinks(pid: number): string[] {
  const links: string[] = [];
  try {
    for (const e of Deno.readDirSync(`/proc/${pid}/fd`)) {
      try {
        links.push(Deno.readLinkSync(`/proc/${pid}/fd/${e.name}`));
      } catch { /* fd closed meanwhile */ }
    }
  } catch { /* gone, or another user's process */ }
  return links;
}

/** `deno run … main.ts --role edge` — the command line of a pid, shortened for one line. */
export function describePid(pid: number, readText = readFileText): string {
  const cmdline = readText(`/proc/${pid}/cmdline`);
  const text = cmdline ? cmdline.split("\0").join(" ").replace(/\s+/g, " ").trim() : "";
  const shown = text || readText(`/proc/${pid}/comm`)?.trim() || "";
  if (!shown) return `pid ${pid}`;
  return `pid ${pid} (${shown.length > 100 ? `${shown.slice(0, 97)}...` : shown})`;
}

/** Finds the listener on 127.0.0.1/[::]:`port`; `likely` pids are checked first. */
export async function findPortOwner(
  port: number,
  likely: readonly number[],
  deps: PortOwnerDeps,
): Promise<PortOwner> {
  const readText = deps.readText ?? readFileText;
  if (deps.os === "linux") {
    const tables = [readText("/proc/net/tcp"), readText("/proc/net/tcp6")];
    if (tables.every((t) => t === null)) return lsofOwner(port, deps);
    const inodes = new Set(tables.flatMap((t) => (t ? listeningInodes(t, port) : [])));
    if (inodes.size === 0) return { kind: "free" };
    const readLinks = deps.readLinks ?? realReadLinks;
    const owns = (pid: number) =>
      readLinks(pid).some((l) => inodes.has(/^socket:\[(\d+)\]$/.exec(l)?.[1] ?? ""));
    const candidates = [...new Set(likely)];
    let pids = candidates.filter(owns);
    if (pids.length === 0) {
      pids = (deps.listPids ?? realListPids)().filter((p) => !candidates.includes(p) && owns(p));
    }
    return { kind: "held", pids, commands: pids.map((p) => describePid(p, readText)) };
  }
  return await lsofOwner(port, deps);
}

async function lsofOwner(port: number, deps: PortOwnerDeps): Promise<PortOwner> {
  if (deps.os === "windows") return { kind: "unknown", detail: "not probed on Windows yet" };
  const r = await deps.runner.run("lsof", ["-nP", `-iTCP:${port}`, "-sTCP:LISTEN", "-Fpc"]);
  // lsof exits 1 with no output when nothing matches.
  if (r.code === 1 && r.stdout.trim() === "") return { kind: "free" };
  if (r.code !== 0) {
    return { kind: "unknown", detail: `lsof exited ${r.code}: ${r.stderr.trim().split("\n")[0]}` };
  }
  const pids: number[] = [];
  const commands: string[] = [];
  for (const line of r.stdout.split("\n")) {
    if (line.startsWith("p")) pids.push(Number(line.slice(1)));
    else if (line.startsWith("c")) commands.push(`pid ${pids.at(-1)} (${line.slice(1)})`);
  }
  return { kind: "held", pids, commands };
}
