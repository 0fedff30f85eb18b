/**
 * How fail-open is judged after a daemon `kill -9`, in every test that kills one under load.
 * A call in flight at the kill dies with the daemon that carried it (its TLS session ended
 * there), and so may the next call a kept-alive client sends on that connection before it
 * learns the connection is gone: that takes as long as the kernel needs to close a dead
 * process's sockets (tens of ms on a loaded machine). So a call that opens its connection
 * after the kill must never fail (the edge tunnels it raw while the daemon is down), and a
 * kept-alive client may lose its first call after the kill, and no other.
 */
export interface SentCall {
  /** Which client sent it. */
  client: number;
  /** When it was sent (the clock `killedAt` is read on). */
  at: number;
  ok: boolean;
  /** Sent on a connection kept alive from before (false: a connection of its own). */
  kept: boolean;
}

/** The failed calls sent at or after the kill: the one each kept-alive client may lose, the rest. */
export function failuresAfterKill<T extends SentCall>(
  calls: readonly T[],
  killedAt: number,
): { excused: T[]; failed: T[] } {
  const after = calls.filter((c) => c.at >= killedAt).sort((x, y) => x.at - y.at);
  const seen = new Set<number>();
  const excused: T[] = [];
  const failed: T[] = [];
  for (const c of after) {
    const first = !seen.has(c.client);
    seen.add(c.client);
    if (c.ok) continue;
    (first && c.kept ? excused : failed).push(c);
  }
  return { excused, failed };
}
