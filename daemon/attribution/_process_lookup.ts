/**
 * Process lookups, against whatever machine `deps` reads: the client's TCP ports → its
 * socket → the process holding it → that process's working directory → its project. Runs in
 * the lookup worker (`_lookup_worker.ts`) in the daemon, inline in tests. Lookups asked while
 * one runs are done together next: one read of the socket tables and one /proc scan for all.
 */
import { lsofCwd, lsofSocketOwner } from "./_lsof.ts";
import { findLoopbackSocket } from "./_proc_net_tcp.ts";
import { projectFromCwd } from "./_project_from_cwd.ts";
import { createSocketOwnerFinder } from "./_socket_owner_linux.ts";
import type { ProjectAttribution } from "./project_from_proxy_auth.ts";

export type ProcessProject = ProjectAttribution<"process_cwd">;

export interface ClientPorts {
  port: number;
  serverPort: number;
}

/** What a lookup reads the machine through. */
export interface MachineDeps {
  /** `Deno.build.os`: "linux" reads /proc, "darwin" runs lsof; others find nothing. */
  os: string;
  readFile(path: string): Promise<string>;
  readLink(path: string): Promise<string>;
  /** Entry names of a directory. */
  readDir(path: string): Promise<string[]>;
  /** True when anything exists at `path` (a `.git` directory or file). */
  exists(path: string): Promise<boolean>;
  /** Runs a program to completion; aborting `signal` kills it. A missing program is code 127. */
  runCommand(
    cmd: string,
    args: string[],
    signal: AbortSignal,
  ): Promise<{ code: number; stdout: string }>;
  now(): number;
  /** Our uid (null where there is none): other users' processes are not ours to read. */
  uid: number | null;
  homeDir: string | null;
  /** More directories that name no project (the temp directory). */
  otherRoots?: readonly string[];
  /** How long a directory's project is remembered; default 10 s. */
  cwdCacheMs?: number;
  /** Processes read at once in a full scan; default 8 (1 for blocking calls: nothing overlaps). */
  scanConcurrency?: number;
}

/**
 * Finds the project of the process at the client end of a loopback connection. `ownPids` are
 * our own processes (daemon, edge): never the client. Resolves null when there is nothing to
 * find; rejects on what someone should hear about (e.g. /proc refused to Deno).
 */
export type ProcessLookup = (
  client: ClientPorts,
  ctx: {
    signal: AbortSignal;
    ownPids: readonly number[];
    /** Epoch ms when `signal` will abort (for lookups that run where a signal cannot reach). */
    deadline: number;
  },
) => Promise<ProcessProject | null>;

const CWD_CACHE_MAX = 512;

type Request = {
  client: ClientPorts;
  ctx: Parameters<ProcessLookup>[1];
  resolve: (p: ProcessProject | null) => void;
  reject: (e: Error) => void;
};

export function createProcessLookup(deps: MachineDeps): ProcessLookup {
  const cwdCacheMs = deps.cwdCacheMs ?? 10_000;
  const byCwd = new Map<string, { project: string | null; at: number }>();
  let ownPids: readonly number[] = [];
  const owners = createSocketOwnerFinder({
    ...deps,
    ownPids: () => ownPids,
    lastPid: async () => {
      const n = Number((await deps.readFile("/proc/sys/kernel/ns_last_pid")).trim());
      return Number.isInteger(n) && n > 0 ? n : null;
    },
  }, { concurrency: deps.scanConcurrency });

  const projectOf = async (cwd: string): Promise<string | null> => {
    const t = deps.now();
    const hit = byCwd.get(cwd);
    if (hit && t - hit.at < cwdCacheMs) return hit.project;
    const project = await projectFromCwd(cwd, deps);
    byCwd.delete(cwd);
    byCwd.set(cwd, { project, at: t });
    if (byCwd.size > CWD_CACHE_MAX) byCwd.delete(byCwd.keys().next().value!);
    return project;
  };

  const readTable = async (path: string): Promise<string> => {
    try {
      return await deps.readFile(path);
    } catch (err) {
      if (err instanceof Deno.errors.NotCapable) {
        throw new Error(
          "Deno reads /proc only with --allow-all: start the daemon with it (`halton-meter init` writes its service that way)",
          { cause: err },
        );
      }
      return ""; // no IPv6, or no /proc: nothing to find there
    }
  };

  /** Linux: each request's working directory, null where none is found. */
  const linuxCwds = async (batch: Request[]): Promise<Array<string | null>> => {
    const cancel = {
      get aborted() {
        return batch.every((r) => r.ctx.signal.aborted);
      },
    };
    // The kernel takes milliseconds to write the socket table (it walks its whole connection
    // hash), in which a quick client may finish its call and exit: the likely clients are read
    // meanwhile.
    const tcp = readTable("/proc/net/tcp");
    tcp.catch(() => {}); // awaited below
    const snap = await owners.snapshot(cancel);
    const sockets = batch.map(() => null as { inode: string; uid: number } | null);
    for (const table of [() => tcp, () => readTable("/proc/net/tcp6")]) {
      if (sockets.every((x) => x !== null) || cancel.aborted) break;
      const text = await table();
      batch.forEach((r, i) => sockets[i] ??= findLoopbackSocket(text, r.client));
    }
    // Another user's process: its descriptors and cwd are unreadable without root.
    const readable = sockets.map((s) =>
      s !== null && (deps.uid === null || deps.uid === 0 || s.uid === deps.uid) ? s.inode : null
    );
    const missing = readable.filter((i) => i !== null && !snap.sockets.has(`socket:[${i}]`));
    const more = missing.length > 0
      ? await owners.find(missing as string[], snap.read, cancel)
      : new Map<string, number>();
    return await Promise.all(readable.map(async (inode) => {
      if (inode === null) return null;
      const pid = snap.sockets.get(`socket:[${inode}]`) ?? more.get(inode);
      if (pid === undefined) return null;
      owners.remember(pid);
      const seen = snap.cwds.get(pid);
      if (seen !== undefined) return seen;
      try {
        return await deps.readLink(`/proc/${pid}/cwd`);
      } catch {
        return null; // exited meanwhile
      }
    }));
  };

  const macosCwd = async (r: Request): Promise<string | null> => {
    const { client, ctx } = r;
    const sockets = await deps.runCommand(
      "lsof",
      ["-nP", `-iTCP:${client.port}`, "-sTCP:ESTABLISHED", "-Fpn"],
      ctx.signal,
    );
    const pid = lsofSocketOwner(sockets.stdout, client);
    if (pid === null || ctx.signal.aborted || ctx.ownPids.includes(pid)) return null;
    const cwd = await deps.runCommand(
      "lsof",
      ["-a", "-p", String(pid), "-d", "cwd", "-Fn"],
      ctx.signal,
    );
    return lsofCwd(cwd.stdout);
  };

  const answer = async (r: Request, cwd: string | null) => {
    try {
      const project = cwd === null || r.ctx.signal.aborted ? null : await projectOf(cwd);
      r.resolve(project === null ? null : { project, source: "process_cwd" });
    } catch (err) {
      r.reject(err instanceof Error ? err : new Error(String(err)));
    }
  };

  const runBatch = async (batch: Request[]) => {
    ownPids = batch.flatMap((r) => r.ctx.ownPids);
    if (deps.os === "linux") {
      const cwds = await linuxCwds(batch);
      await Promise.all(batch.map((r, i) => answer(r, cwds[i])));
    } else if (deps.os === "darwin") {
      for (const r of batch) await answer(r, await macosCwd(r));
    } else {
      for (const r of batch) r.resolve(null); // Windows: see docs/PROJECTS.md
    }
  };

  const queue: Request[] = [];
  let running = false;
  const drain = async () => {
    while (queue.length > 0) {
      const batch = queue.splice(0);
      try {
        await runBatch(batch);
      } catch (err) {
        for (const r of batch) r.reject(err instanceof Error ? err : new Error(String(err)));
      }
    }
    running = false;
  };

  return (client, ctx) =>
    new Promise((resolve, reject) => {
      queue.push({ client, ctx, resolve, reject });
      // Started a microtask later, so lookups asked together go in one batch.
      if (!running) {
        running = true;
        queueMicrotask(() => void drain());
      }
    });
}
