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
  for (let i = 0; i < tries; i++) {
    const port = opts.port === 0 ? 0 : opts.port + i;
    if (port > 65535) break;
    try {
      const listener = listen({ hostname, port });
      const addr = listener.addr as Deno.NetAddr;
      return { listener, port: addr.port, fellBack: i > 0 };
    } catch (err) {
      if (!(err instanceof Deno.errors.AddrInUse)) {
        throw new Error(`Cannot listen on ${hostname}:${port}: ${String(err)}`, { cause: err });
      }
      lastError = err;
    }
  }
  throw new Error(
    `Cannot listen on ${hostname}: ports ${opts.port}-${
      opts.port + tries - 1
    } are all in use; free one or set "ports" in config.json (0 picks any free port)`,
    { cause: lastError },
  );
}
