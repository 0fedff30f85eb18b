/**
 * Keep-alive pool of verified upstream TLS connections on Deno's native TLS (rustls), one list
 * per "host:port". An idle connection keeps one read outstanding, so a peer that closes it is
 * noticed and the connection dropped before anyone reuses it; that read becomes the first read
 * of the next response when the connection is reused.
 */

export interface UpstreamConn {
  /** True when this connection served an earlier exchange (it came from the pool). */
  readonly reused: boolean;
  /** Next bytes from the upstream (a fresh copy), or null at EOF. Throws on a socket error. */
  read(): Promise<Uint8Array | null>;
  write(bytes: Uint8Array): Promise<void>;
  /** Back to the pool: only when the last response was read whole and nothing else is due. */
  release(): void;
  close(): void;
}

export interface UpstreamTarget {
  /** Pool key, e.g. "api.anthropic.com:443". */
  key: string;
  /** Where to connect (after `upstream.resolve`). */
  host: string;
  port: number;
  /** TLS server name and verified identity: the host the client asked for. */
  servername: string;
}

/** Opens a verified TLS stream (tests inject failures here). */
export type ConnectTls = (target: UpstreamTarget) => Promise<Deno.Conn>;

export interface UpstreamPool {
  /** A pooled connection (reused) or a new one; `fresh` skips the pool. */
  acquire(target: UpstreamTarget, opts?: { fresh?: boolean }): Promise<UpstreamConn>;
  idleCount(): number;
  close(): void;
}

export interface UpstreamPoolOptions {
  /** Extra root PEMs trusted in addition to Deno's bundled roots. */
  caCerts?: string[];
  connectTimeoutMs?: number;
  /** Idle connections kept per key; default 64. */
  maxIdlePerKey?: number;
  idleTimeoutMs?: number;
  connect?: ConnectTls;
}

const READ_SIZE = 64 * 1024;

/** TCP to the resolved address, then TLS verified against the original host name. */
export function defaultConnectTls(caCerts: string[] | undefined, timeoutMs: number): ConnectTls {
  return async (t) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let late: Deno.Conn | null = null;
    let timedOut = false;
    const attempt = (async () => {
      const tcp = await Deno.connect({ hostname: t.host, port: t.port });
      late = tcp;
      tcp.setNoDelay(true);
      const tlsConn = await Deno.startTls(tcp, { hostname: t.servername, caCerts });
      late = tlsConn;
      await tlsConn.handshake();
      if (timedOut) tlsConn.close();
      return tlsConn as Deno.Conn;
    })();
    try {
      return await Promise.race([
        attempt,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            timedOut = true;
            try {
              (late as Deno.Conn | null)?.close();
            } catch { /* already closed */ }
            reject(Object.assign(
              new Error(
                `Cannot connect to upstream ${t.key} (${t.host}:${t.port}): ` +
                  `no TLS connection after ${timeoutMs} ms`,
              ),
              { code: "UPSTREAM_CONNECT_TIMEOUT" },
            ));
          }, timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
      attempt.catch(() => {}); // a connect that loses the race must not become unhandled
    }
  };
}

export function createUpstreamPool(opts: UpstreamPoolOptions = {}): UpstreamPool {
  const connect = opts.connect ??
    defaultConnectTls(opts.caCerts, opts.connectTimeoutMs ?? 30_000);
  const maxIdle = opts.maxIdlePerKey ?? 64;
  const idleTimeoutMs = opts.idleTimeoutMs ?? 30_000;
  const idle = new Map<string, Pooled[]>();
  const all = new Set<Pooled>();
  let closed = false;

  class Pooled implements UpstreamConn {
    reused = false;
    dead = false;
    pending: Promise<number | null> | null = null;
    buf = new Uint8Array(READ_SIZE);
    timer: ReturnType<typeof setTimeout> | undefined;
    constructor(readonly key: string, readonly conn: Deno.Conn) {
      all.add(this);
    }
    async read(): Promise<Uint8Array | null> {
      const p = this.pending ?? this.conn.read(this.buf);
      this.pending = null;
      const n = await p;
      return n === null ? null : this.buf.slice(0, n);
    }
    async write(bytes: Uint8Array): Promise<void> {
      let off = 0;
      while (off < bytes.length) off += await this.conn.write(bytes.subarray(off));
    }
    release() {
      if (this.dead || closed) return this.close();
      const list = idle.get(this.key) ?? [];
      if (list.length >= maxIdle) return this.close();
      list.push(this);
      idle.set(this.key, list);
      // Watch for the peer closing (or misbehaving) while idle.
      const p = this.conn.read(this.buf);
      this.pending = p;
      p.then(
        (n) => {
          if (this.pending === p) this.close(); // EOF or unsolicited bytes: unusable
          else if (n === null) this.dead = true;
        },
        () => {
          if (this.pending === p) this.close();
          else this.dead = true;
        },
      );
      this.timer = setTimeout(() => this.close(), idleTimeoutMs);
      Deno.unrefTimer(this.timer as unknown as number);
    }
    close() {
      if (!all.delete(this)) return;
      this.dead = true;
      clearTimeout(this.timer);
      this.unlist();
      try {
        this.conn.close();
      } catch { /* already closed */ }
    }
    unlist() {
      const list = idle.get(this.key);
      const i = list?.indexOf(this) ?? -1;
      if (i >= 0) list!.splice(i, 1);
    }
  }

  return {
    async acquire(target, o = {}) {
      if (closed) throw new Error("upstream pool is closed (the daemon is stopping)");
      const list = o.fresh ? undefined : idle.get(target.key);
      while (list && list.length) {
        const c = list.pop()!; // LIFO: the most recently used is the least likely to be stale
        clearTimeout(c.timer);
        if (c.dead) {
          c.close();
          continue;
        }
        c.reused = true;
        return c;
      }
      const conn = await connect(target);
      if (closed) {
        conn.close();
        throw new Error("upstream pool is closed (the daemon is stopping)");
      }
      return new Pooled(target.key, conn);
    },
    idleCount: () => [...idle.values()].reduce((n, l) => n + l.length, 0),
    close() {
      closed = true;
      for (const c of [...all]) c.close();
    },
  };
}
