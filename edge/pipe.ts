import { safeClose, writeAll } from "./io.ts";

const MIN_BUFFER = 16 * 1024;
const MAX_BUFFER = 256 * 1024;

async function pump(src: Deno.Conn, dst: Deno.Conn): Promise<number> {
  // Start small so a thousand idle tunnels cost little; grow only for bulk transfers.
  let buf = new Uint8Array(MIN_BUFFER);
  let total = 0;
  while (true) {
    const n = await src.read(buf);
    if (n === null) break;
    // Awaiting the write before the next read is the backpressure: a slow reader
    // stalls its sender instead of growing a buffer here.
    await writeAll(dst, buf.subarray(0, n));
    total += n;
    if (n === buf.length && buf.length < MAX_BUFFER) buf = new Uint8Array(buf.length * 4);
  }
  try {
    await dst.closeWrite(); // propagate the half-close
  } catch { /* peer already gone */ }
  return total;
}

export interface PipeResult {
  bytesUp: number;
  bytesDown: number;
  error: string | null;
}

/**
 * Shuttles bytes both ways until both directions have ended. A half-close in
 * one direction is passed on and the other keeps flowing; an error in either
 * direction closes both sockets. Both connections are closed on return.
 */
export async function pipeBoth(client: Deno.Conn, upstream: Deno.Conn): Promise<PipeResult> {
  let error: string | null = null;
  const fail = (err: unknown) => {
    error ??= err instanceof Error ? err.name : String(err);
    safeClose(client);
    safeClose(upstream);
    return 0;
  };
  const [bytesUp, bytesDown] = await Promise.all([
    pump(client, upstream).catch(fail),
    pump(upstream, client).catch(fail),
  ]);
  safeClose(client);
  safeClose(upstream);
  return { bytesUp, bytesDown, error };
}
