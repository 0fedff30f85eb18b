import type { Logger } from "../../core/mod.ts";
import type { ClientConnection } from "../mitm/mod.ts";
import { lsofCwd, lsofSocketOwner } from "./_lsof.ts";
import { findLoopbackSocket } from "./_proc_net_tcp.ts";
import { projectFromCwd } from "./_project_from_cwd.ts";
import { createSocketOwnerFinder } from "./_socket_owner_linux.ts";
import { systemAttributorDeps } from "./_system_deps.ts";
import type { ProjectAttribution } from "./project_from_proxy_auth.ts";

export type ProcessProject = ProjectAttribution<"process_cwd">;

/** What the attributor reads the machine through (defaults: the real one, `_system_deps.ts`). */
export interface ProcessAttributorDeps {
  log: Logger;
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
  /** Our own processes (daemon, edge): never the client. */
  ownPids(): Iterable<number>;
  homeDir: string | null;
  /** More directories that name no project (the temp directory). */
  otherRoots?: readonly string[];
  /** A lookup still running after this resolves null; default 1500 ms. */
  timeoutMs?: number;
  /** How long a directory's project is remembered; default 10 s. */
  cwdCacheMs?: number;
}

export interface ProcessAttributor {
  /**
   * The project of the process at the client end of `conn`, from its working directory.
   * One lookup per connection object (the same promise for every request on it); never
   * rejects; resolves within the timeout, null when the process cannot be found or names
   * no project.
   */
  projectFor(conn: ClientConnection): Promise<ProcessProject | null>;
}

type Ports = { port: number; serverPort: number };

const CWD_CACHE_MAX = 512;
/** A slow-lookup or failure line at most this often (the rest are counted into the next). */
const LOG_EVERY_MS = 60_000;

/**
 * Attributes intercepted connections to the calling process's project, with no user action
 * (docs/PROJECTS.md): the client's TCP ports → its socket → its process → its working
 * directory → the enclosing git repository's name (or the directory's).
 */
export function createProcessAttributor(
  deps: Partial<ProcessAttributorDeps> & Pick<ProcessAttributorDeps, "log">,
): ProcessAttributor {
  const d: ProcessAttributorDeps = { ...systemAttributorDeps(), ...deps };
  const timeoutMs = d.timeoutMs ?? 1500;
  const cwdCacheMs = d.cwdCacheMs ?? 10_000;
  const byConnection = new WeakMap<ClientConnection, Promise<ProcessProject | null>>();
  const byCwd = new Map<string, { project: string | null; at: number }>();
  const owners = createSocketOwnerFinder(d);
  let lastLog = -Infinity;
  let unlogged = 0;

  const note = (message: string, fields: Record<string, string | number>) => {
    const t = d.now();
    if (t - lastLog < LOG_EVERY_MS) {
      unlogged++;
      return;
    }
    d.log.log("warn", message, unlogged ? { ...fields, not_logged_since: unlogged } : fields);
    lastLog = t;
    unlogged = 0;
  };

  const linuxCwd = async (client: Ports, signal: AbortSignal): Promise<string | null> => {
    let socket = null;
    for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
      try {
        socket = findLoopbackSocket(await d.readFile(table), client);
      } catch { /* no IPv6, or no /proc */ }
      if (socket !== null || signal.aborted) break;
    }
    if (socket === null) return null;
    // Another user's process: its descriptors and cwd are unreadable without root.
    if (d.uid !== null && d.uid !== 0 && socket.uid !== d.uid) return null;
    const pid = await owners.find(socket.inode, signal);
    if (pid === null || signal.aborted) return null;
    try {
      return await d.readLink(`/proc/${pid}/cwd`);
    } catch {
      return null; // exited meanwhile
    }
  };

  const macosCwd = async (client: Ports, signal: AbortSignal): Promise<string | null> => {
    const sockets = await d.runCommand(
      "lsof",
      ["-nP", `-iTCP:${client.port}`, "-sTCP:ESTABLISHED", "-Fpn"],
      signal,
    );
    const pid = lsofSocketOwner(sockets.stdout, client);
    if (pid === null || signal.aborted || new Set(d.ownPids()).has(pid)) return null;
    const cwd = await d.runCommand("lsof", ["-a", "-p", String(pid), "-d", "cwd", "-Fn"], signal);
    return lsofCwd(cwd.stdout);
  };

  const projectOf = async (cwd: string): Promise<string | null> => {
    const t = d.now();
    const hit = byCwd.get(cwd);
    if (hit && t - hit.at < cwdCacheMs) return hit.project;
    const project = await projectFromCwd(cwd, d);
    byCwd.delete(cwd);
    byCwd.set(cwd, { project, at: t });
    if (byCwd.size > CWD_CACHE_MAX) byCwd.delete(byCwd.keys().next().value!);
    return project;
  };

  const lookup = async (client: Ports, signal: AbortSignal): Promise<ProcessProject | null> => {
    const cwd = d.os === "linux"
      ? await linuxCwd(client, signal)
      : d.os === "darwin"
      ? await macosCwd(client, signal)
      : null; // Windows: see docs/PROJECTS.md
    if (cwd === null || signal.aborted) return null;
    const project = await projectOf(cwd);
    return project === null ? null : { project, source: "process_cwd" };
  };

  const bounded = (client: Ports): Promise<ProcessProject | null> => {
    const ac = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(() => {
        ac.abort();
        note(
          `process attribution: no answer within ${timeoutMs} ms; the call has no process project`,
          {
            client_port: client.port,
            server_port: client.serverPort,
          },
        );
        resolve(null);
      }, timeoutMs);
    });
    const work = lookup(client, ac.signal).catch((err) => {
      note("process attribution failed; the call has no process project", {
        error: String(err).slice(0, 300),
      });
      return null;
    });
    return Promise.race([work, late]).finally(() => clearTimeout(timer));
  };

  return {
    projectFor(conn) {
      let p = byConnection.get(conn);
      if (!p) {
        p = conn.client === null ? Promise.resolve(null) : bounded(conn.client);
        byConnection.set(conn, p);
      }
      return p;
    },
  };
}
