/**
 * Which process holds a socket, on Linux: the pid whose `/proc/<pid>/fd/*` links to
 * `socket:[<inode>]`. The kernel keeps no reverse index, so in the worst case every fd of
 * every process is read (`ss -p` and `lsof` do the same). The common cases are made cheap:
 * - a process that owned a recent client connection (long-lived tools keep opening
 *   connections) is asked first;
 * - the full scan goes from the newest pid down, where a freshly started client sits;
 * - our own processes (daemon, edge) hold many sockets and are never the client: skipped
 *   (a socket only they hold, as on a connection the edge did not name, has no client);
 * - one full scan at a time: a burst of connections from one new process costs one scan,
 *   the others find the pid among the recent ones.
 */

export interface SocketOwnerDeps {
  /** Entry names of a directory. */
  readDir(path: string): Promise<string[]>;
  readLink(path: string): Promise<string>;
  /** Our own processes: never scanned. */
  ownPids(): Iterable<number>;
}

export interface SocketOwnerOptions {
  /** Pids remembered from recent hits; default 8. */
  recentPids?: number;
  /** Processes read at once during a full scan; default 8. */
  concurrency?: number;
}

export interface SocketOwnerFinder {
  /** The pid holding socket `inode`, or null (none but ours, or `signal` aborted). Never rejects. */
  find(inode: string, signal: AbortSignal): Promise<number | null>;
}

/** Links read at once within one process. */
const LINK_BATCH = 32;

export function createSocketOwnerFinder(
  deps: SocketOwnerDeps,
  opts: SocketOwnerOptions = {},
): SocketOwnerFinder {
  const maxRecent = opts.recentPids ?? 8;
  const concurrency = opts.concurrency ?? 8;
  let recent: number[] = [];
  let scans: Promise<unknown> = Promise.resolve();

  const holds = async (pid: number, target: string, signal: AbortSignal): Promise<boolean> => {
    let names: string[];
    try {
      names = await deps.readDir(`/proc/${pid}/fd`);
    } catch {
      return false; // gone, or not ours to read
    }
    for (let i = 0; i < names.length && !signal.aborted; i += LINK_BATCH) {
      const links = await Promise.all(
        names.slice(i, i + LINK_BATCH).map((n) =>
          deps.readLink(`/proc/${pid}/fd/${n}`).catch(() => "")
        ),
      );
      if (links.includes(target)) return true;
    }
    return false;
  };

  /** The first of `pids` (in order, `concurrency` at a time) that holds `target`. */
  const firstHolder = async (
    pids: number[],
    target: string,
    signal: AbortSignal,
  ): Promise<number | null> => {
    let next = 0;
    let found: number | null = null;
    const worker = async () => {
      while (found === null && !signal.aborted && next < pids.length) {
        const pid = pids[next++];
        if (await holds(pid, target, signal)) found ??= pid;
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, pids.length) }, worker));
    return found;
  };

  const remember = (pid: number) => {
    recent = [pid, ...recent.filter((p) => p !== pid)].slice(0, maxRecent);
  };

  const fullScan = async (
    target: string,
    checked: Set<number>,
    signal: AbortSignal,
  ): Promise<number | null> => {
    // Another lookup may have found this process while we waited for our turn.
    const fresh = recent.filter((p) => !checked.has(p));
    const again = await firstHolder(fresh, target, signal);
    if (again !== null) return again;
    for (const p of fresh) checked.add(p);
    const own = new Set(deps.ownPids());
    const pids: number[] = [];
    for (const name of await deps.readDir("/proc")) {
      if (!/^\d+$/.test(name)) continue;
      const pid = Number(name);
      if (!checked.has(pid) && !own.has(pid)) pids.push(pid);
    }
    pids.sort((a, b) => b - a);
    return await firstHolder(pids, target, signal);
  };

  return {
    async find(inode, signal) {
      const target = `socket:[${inode}]`;
      try {
        const checked = new Set(recent);
        let pid = await firstHolder([...recent], target, signal);
        if (pid === null && !signal.aborted) {
          const turn = scans.then(() => signal.aborted ? null : fullScan(target, checked, signal));
          scans = turn.catch(() => {});
          pid = await turn;
        }
        if (pid === null || signal.aborted) return null;
        remember(pid);
        return pid;
      } catch {
        return null;
      }
    },
  };
}
