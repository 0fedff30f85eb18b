import { safeClose, writeAll } from "./io.ts";

const MIN_BUFFER = 16 * 1024;
const MAX_BUFFER = 4 * 1024 * 1024;

/**
 * Memory the edge may spend on enlarged tunnel buffers, all tunnels together.
 * Bulk transfers need big reads to keep up with loopback (docs/BENCHMARKS.md);
 * the budget keeps a thousand bulk tunnels from each taking megabytes.
 */
export interface BufferBudget {
  take(bytes: number): boolean;
  give(bytes: number): void;
  used(): number;
}

export function createBufferBudget(limitBytes = 64 * 1024 * 1024): BufferBudget {
  let used = 0;
  return {
    take(bytes) {
      if (used + bytes > limitBytes) return false;
      used += bytes;
      return true;
    },
    give(bytes) {
      used = Math.max(0, used - bytes);
    },
    used: () => used,
  };
}

async function pump(
  src: Deno.Conn,
  dst: Deno.Conn,
  budget: BufferBudget,
  onChunk?: () => void,
): Promise<number> {
  // Start small so a thousand idle tunnels cost little; grow only for bulk transfers.
  let buf = new Uint8Array(MIN_BUFFER);
  let total = 0;
  try {
    while (true) {
      const n = await src.read(buf);
      if (n === null) break;
      // Awaiting the write before the next read is the backpressure: a slow reader
      // stalls its sender instead of growing a buffer here.
      await writeAll(dst, buf.subarray(0, n));
      onChunk?.();
      total += n;
      if (n === buf.length && buf.length < MAX_BUFFER) {
        const next = Math.min(buf.length * 4, MAX_BUFFER);
        if (budget.take(next - buf.length)) buf = new Uint8Array(next);
      } else if (n < MIN_BUFFER && buf.length > MIN_BUFFER) {
        // The burst is over (interactive or idle stream): give the big buffer back.
        budget.give(buf.length - MIN_BUFFER);
        buf = new Uint8Array(MIN_BUFFER);
      }
    }
  } finally {
    budget.give(buf.length - MIN_BUFFER);
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
export async function pipeBoth(
  client: Deno.Conn,
  upstream: Deno.Conn,
  budget: BufferBudget = createBufferBudget(0),
  /** Told of each chunk forwarded: towards the upstream (`up`) or the client (`down`). */
  activity?: { up(): void; down(): void },
): Promise<PipeResult> {
  let error: string | null = null;
  const fail = (err: unknown) => {
    error ??= err instanceof Error ? err.name : String(err);
    safeClose(client);
    safeClose(upstream);
    return 0;
  };
  const [bytesUp, bytesDown] = await Promise.all([
    pump(client, upstream, budget, activity?.up).catch(fail),
    pump(upstream, client, budget, activity?.down).catch(fail),
  ]);
  safeClose(client);
  safeClose(upstream);
  return { bytesUp, bytesDown, error };
}
