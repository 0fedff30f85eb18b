import { describeRoute, guardConn, openRoute, type Route } from "./route.ts";

export interface ThroughputSample {
  bytes: number;
  seconds: number;
  /** Bytes per second, from the start of connect to EOF. */
  rate: number;
}

/** The client's read size: big reads keep the per-op cost of the client negligible. */
const READ_SIZE = 1 << 20;

/**
 * Receives one stream along `route` and discards it. Fails unless exactly
 * `expectBytes` arrive, so a broken tunnel can't pass as a fast one.
 */
export async function measureThroughput(
  route: Route,
  expectBytes: number,
  opts: { signal: AbortSignal; timeoutMs: number; buffer?: Uint8Array },
): Promise<ThroughputSample> {
  const buf = opts.buffer ?? new Uint8Array(READ_SIZE);
  const t0 = performance.now();
  const { conn, early } = await openRoute(route, buf);
  const release = guardConn(conn, opts.timeoutMs, opts.signal);
  let bytes = early;
  try {
    while (true) {
      const n = await conn.read(buf);
      if (n === null) break;
      bytes += n;
    }
  } catch (err) {
    opts.signal.throwIfAborted();
    throw new Error(`stream via ${describeRoute(route)} failed after ${bytes} bytes`, {
      cause: err,
    });
  } finally {
    release();
    try {
      conn.close();
    } catch { /* closed */ }
  }
  const seconds = (performance.now() - t0) / 1000;
  if (bytes !== expectBytes) {
    throw new Error(
      `stream via ${describeRoute(route)} delivered ${bytes} of ${expectBytes} bytes ` +
        `(timeout ${opts.timeoutMs} ms?); check the proxy's log`,
    );
  }
  return { bytes, seconds, rate: bytes / seconds };
}
