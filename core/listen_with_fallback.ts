export interface ListenWithFallbackOptions {
  hostname?: string;
  /** Preferred port; `0` lets the OS pick any free port. */
  port: number;
  /** How many following ports to try when the preferred one is taken. */
  tries?: number;
  listen?: (opts: { hostname: string; port: number }) => Deno.TcpListener;
}

export interface ListenResult {
  listener: Deno.TcpListener;
  port: number;
  /** True when the preferred port was taken and a later one was used. */
  fellBack: boolean;
}

/** Ports to try, in order: `0` alone (the OS picks), else `port` and the ones after it. */
function candidatePorts(port: number, tries: number): number[] {
  if (port === 0) return [0];
  const out: number[] = [];
  for (let p = port; p < port + tries && p <= 65535; p++) out.push(p);
  return out;
}

/** Deno reports a taken port as AddrInUse; node:net (the daemon's TLS listener) as EADDRINUSE. */
function isAddrInUse(err: unknown): boolean {
  return err instanceof Deno.errors.AddrInUse ||
    (err as { code?: unknown } | null)?.code === "EADDRINUSE";
}

function allInUse(hostname: string, port: number, tries: number, cause: unknown): Error {
  return new Error(
    `Cannot listen on ${hostname}: ports ${port}-${
      port + tries - 1
    } are all in use; free one or set "ports" in config.json (0 picks any free port)`,
    { cause },
  );
}

/**
 * Async twin of listenWithFallback for listeners that bind asynchronously (the
 * daemon's TLS proxy, Deno.serve): same ports tried, same "in use" rule, same error.
 */
export async function bindWithFallback<T>(
  port: number,
  bind: (port: number) => Promise<T> | T,
  opts: { hostname?: string; tries?: number } = {},
): Promise<T> {
  const tries = port === 0 ? 1 : (opts.tries ?? 20);
  let lastError: unknown;
  for (const candidate of candidatePorts(port, tries)) {
    try {
      return await bind(candidate);
    } catch (err) {
      if (!isAddrInUse(err)) throw err;
      lastError = err;
    }
  }
  throw allInUse(opts.hostname ?? "127.0.0.1", port, tries, lastError);
}

/**
 * Binds a loopback TCP listener on `port`, or on the next free port after it.
 * Only "address in use" moves on to the next port; any other failure (permission,
 * bad address) is reported at once, with the port.
 */
export function listenWithFallback(opts: ListenWithFallbackOptions): ListenResult {
  const hostname = opts.hostname ?? "127.0.0.1";
  const listen = opts.listen ?? ((o) => Deno.listen({ ...o, transport: "tcp" }));
  const tries = opts.port === 0 ? 1 : (opts.tries ?? 20);
  let lastError: unknown;
  for (const port of candidatePorts(opts.port, tries)) {
    try {
      const listener = listen({ hostname, port });
      const addr = listener.addr as Deno.NetAddr;
      return { listener, port: addr.port, fellBack: port !== opts.port };
    } catch (err) {
      if (!isAddrInUse(err)) {
        throw new Error(`Cannot listen on ${hostname}:${port}: ${String(err)}`, { cause: err });
      }
      lastError = err;
    }
  }
  throw allInUse(hostname, opts.port, tries, lastError);
}
