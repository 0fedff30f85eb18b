import { describeRoute, guardConn, openRoute, type Route } from "./route.ts";

/**
 * Milliseconds from starting the TCP connect to receiving the target's one-byte
 * banner, for `count` sequential connections along `route`.
 */
export async function measureSetupLatency(
  route: Route,
  count: number,
  opts: { signal: AbortSignal; timeoutMs: number },
): Promise<number[]> {
  const head = new Uint8Array(4096);
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    opts.signal.throwIfAborted();
    const t0 = performance.now();
    const { conn, early } = await openRoute(route, head);
    const release = guardConn(conn, opts.timeoutMs, opts.signal);
    try {
      let got = early;
      while (got === 0) {
        const n = await conn.read(head);
        if (n === null) {
          throw new Error(`connection ${i} via ${describeRoute(route)} closed before the banner`);
        }
        got += n;
      }
      samples.push(performance.now() - t0);
    } catch (err) {
      opts.signal.throwIfAborted();
      throw err;
    } finally {
      release();
      try {
        conn.close();
      } catch { /* closed */ }
    }
  }
  return samples;
}
