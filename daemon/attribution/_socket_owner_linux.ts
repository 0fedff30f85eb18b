/**
 * Which processes hold some sockets, on Linux: the pid whose `/proc/<pid>/fd/*` links to
 * `socket:[<inode>]`. The kernel keeps no reverse index, so in the worst case every fd of
 * every process is read (`ss -p` and `lsof` do the same). The common cases are made cheap:
 * - a snapshot of the likely clients is taken first, before the socket tables are read (which
 *   alone takes milliseconds: the kernel walks its whole connection hash): the processes that
 *   owned recent client connections (long-lived tools keep opening them) and the newest
 *   processes, with their sockets and working directories. A client that finishes its call
 *   and exits meanwhile is still named;
 * - the full scan goes from the newest pid down (from the last pid handed out, then from the
 *   top once pids have wrapped), and stops as soon as every socket asked for is found;
 * - several sockets are looked for in one pass (a burst of new connections costs one scan);
 * - our own processes (daemon, edge) hold many sockets and are never the client: skipped
 *   (a socket only they hold, as on a connection the edge did not name, has no client).
 */

export interface SocketOwnerDeps {
  /** Entry names of a directory. */
  readDir(path: string): Promise<string[]>;
  readLink(path: string): Promise<string>;
  /** Our own processes: never read. */
  ownPids(): Iterable<number>;
  /** The pid the kernel handed out last (`/proc/sys/kernel/ns_last_pid`); null when unknown. */
  lastPid?(): Promise<number | null>;
}

export interface SocketOwnerOptions {
  /** Pids remembered from recent hits; default 8. */
  recentPids?: number;
  /** Newest processes in the snapshot; default 16. */
  newestPids?: number;
  /** Processes read at once during a full scan; default 8 (1 suits blocking calls). */
  concurrency?: number;
}

/** Stops a search when it turns true. */
export interface Cancel {
  readonly aborted: boolean;
}

/** The likely clients, read before their sockets are known. */
export interface Snapshot {
  /** `socket:[inode]` → the pid holding it. */
  sockets: Map<string, number>;
  /** pid → its working directory, as read then. */
  cwds: Map<number, string>;
  /** Every pid read (a later scan skips them). */
  read: Set<number>;
}

export interface SocketOwnerFinder {
  /** Reads the likely clients now. Never rejects. */
  snapshot(cancel: Cancel): Promise<Snapshot>;
  /** Socket inode → the pid holding it, scanning every process but `skip`. Never rejects. */
  find(inodes: Iterable<string>, skip: Set<number>, cancel: Cancel): Promise<Map<string, number>>;
  /** Notes `pid` as a client's: read first next time. */
  remember(pid: number): void;
}

/** Links read at once within one process. */
const LINK_BATCH = 32;
/** A newest process with more descriptors than this waits for the full scan. */
const SNAPSHOT_MAX_FDS = 512;

export function createSocketOwnerFinder(
  deps: SocketOwnerDeps,
  opts: SocketOwnerOptions = {},
): SocketOwnerFinder {
  const maxRecent = opts.recentPids ?? 8;
  const newest = opts.newestPids ?? 16;
  const concurrency = opts.concurrency ?? 8;
  let recent: number[] = [];

  /** Every pid but ours, newest first. */
  const allPids = async (): Promise<number[]> => {
    const own = new Set(deps.ownPids());
    const pids: number[] = [];
    for (const name of await deps.readDir("/proc")) {
      if (!/^\d+$/.test(name)) continue;
      const pid = Number(name);
      if (!own.has(pid)) pids.push(pid);
    }
    // Down from the last pid handed out, then down from the top (older processes, or newer
    // ones once pids have wrapped).
    const last = await deps.lastPid?.().catch(() => null) ?? Infinity;
    return pids.sort((a, b) => (a <= last) === (b <= last) ? b - a : a <= last ? -1 : 1);
  };

  /** The fd links of `pid` (in batches, `stop` checked between them); [] when unreadable. */
  const links = async (
    pid: number,
    stop: () => boolean,
    maxFds = Infinity,
  ): Promise<string[]> => {
    let names: string[];
    try {
      names = await deps.readDir(`/proc/${pid}/fd`);
    } catch {
      return []; // gone, or not ours to read
    }
    if (names.length > maxFds) return [];
    const out: string[] = [];
    for (let i = 0; i < names.length && !stop(); i += LINK_BATCH) {
      out.push(
        ...await Promise.all(
          names.slice(i, i + LINK_BATCH).map((n) =>
            deps.readLink(`/proc/${pid}/fd/${n}`).catch(() => "")
          ),
        ),
      );
    }
    return out;
  };

  return {
    async snapshot(cancel) {
      const snap: Snapshot = { sockets: new Map(), cwds: new Map(), read: new Set() };
      try {
        const own = new Set(deps.ownPids());
        const pids = recent.filter((p) => !own.has(p));
        const limit = pids.length + newest;
        for (const pid of await allPids()) {
          if (pids.length >= limit) break;
          if (!pids.includes(pid)) pids.push(pid);
        }
        for (const pid of pids) {
          if (cancel.aborted) break;
          snap.read.add(pid);
          const held = (await links(pid, () => cancel.aborted, SNAPSHOT_MAX_FDS))
            .filter((l) => l.startsWith("socket:["));
          if (held.length === 0) continue; // no sockets: not a client
          // A socket shared after a fork: the first reader (the child, newest) keeps it.
          for (const l of held) if (!snap.sockets.has(l)) snap.sockets.set(l, pid);
          try {
            snap.cwds.set(pid, await deps.readLink(`/proc/${pid}/cwd`));
          } catch { /* gone already */ }
        }
      } catch { /* no /proc: nothing in it */ }
      return snap;
    },

    async find(inodes, skip, cancel) {
      const missing = new Map<string, string>();
      for (const inode of inodes) missing.set(`socket:[${inode}]`, inode);
      const found = new Map<string, number>();
      const done = () => missing.size === 0 || cancel.aborted;
      try {
        const pids = (await allPids()).filter((p) => !skip.has(p));
        let next = 0;
        const worker = async () => {
          while (!done() && next < pids.length) {
            const pid = pids[next++];
            for (const link of await links(pid, done)) {
              const inode = missing.get(link);
              if (inode === undefined) continue;
              missing.delete(link);
              found.set(inode, pid);
            }
          }
        };
        await Promise.all(Array.from({ length: Math.min(concurrency, pids.length) }, worker));
      } catch { /* no /proc: what was found stands */ }
      return found;
    },

    remember(pid) {
      recent = [pid, ...recent.filter((p) => p !== pid)].slice(0, maxRecent);
    },
  };
}
