/**
 * Moving clients back to metering after a daemon outage. A raw tunnel to a metered host opened
 * while the daemon was down would stay unmetered as long as its client keeps the connection
 * alive. Once the daemon is healthy again, such a tunnel is closed when it is idle the way a
 * server's keep-alive timeout closes one: the last bytes went to the client (its answer is
 * complete, as far as can be seen through TLS) and nothing moved either way for `idleMs`. The
 * client's next request opens a new connection, which the edge chains to the daemon.
 *
 * What cannot be seen through TLS is a response paused mid-stream for longer than `idleMs`;
 * that is why the idle time is seconds, not milliseconds (docs: README "The edge").
 */

export interface TunnelActivity {
  /** Bytes went towards the provider (a request). */
  up(): void;
  /** Bytes went towards the client (an answer). */
  down(): void;
  /** The tunnel ended on its own. */
  done(): void;
}

export interface RehomerOptions {
  /** 0 disables re-homing. */
  idleMs: number;
  /** The daemon's health (the edge's cached probe). */
  isHealthy(): Promise<boolean>;
  now?: () => number;
  log?: (message: string, fields: Record<string, string | number>) => void;
}

export interface TunnelRehomer {
  /** Follows a raw tunnel to a metered host; `close` ends it when it is re-homed. */
  track(host: string, close: () => void): TunnelActivity;
  /** Closes the idle tracked tunnels if the daemon is healthy; returns how many. */
  sweep(): Promise<number>;
  size(): number;
}

interface Tracked {
  host: string;
  close: () => void;
  last: number;
  lastDown: boolean;
}

export function createTunnelRehomer(opts: RehomerOptions): TunnelRehomer {
  const now = opts.now ?? (() => performance.now());
  const tracked = new Set<Tracked>();
  return {
    track(host, close) {
      const t: Tracked = { host, close, last: now(), lastDown: false };
      if (opts.idleMs > 0) tracked.add(t);
      return {
        up() {
          t.last = now();
          t.lastDown = false;
        },
        down() {
          t.last = now();
          t.lastDown = true;
        },
        done() {
          tracked.delete(t);
        },
      };
    },
    async sweep() {
      if (tracked.size === 0 || !(await opts.isHealthy())) return 0;
      const at = now();
      let closed = 0;
      for (const t of [...tracked]) {
        if (!t.lastDown || at - t.last < opts.idleMs) continue;
        tracked.delete(t);
        closed++;
        t.close();
      }
      if (closed > 0) {
        opts.log?.("daemon healthy again: idle raw tunnels closed so clients reconnect metered", {
          closed,
          still_tracked: tracked.size,
        });
      }
      return closed;
    },
    size: () => tracked.size,
  };
}
