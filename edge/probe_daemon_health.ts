import { connectWithTimeout, safeClose, withTimeout, writeAll } from "./io.ts";

export type ProbeResult = "healthy" | "unhealthy" | "refused";

const REQUEST = new TextEncoder().encode(
  "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
);

/**
 * Asks the daemon's proxy port for `/health` over a raw socket (no fetch: fetch
 * would honour proxy variables and pull in more than the edge needs). Healthy
 * means the status line says 200.
 */
export async function probeDaemonHealth(port: number, timeoutMs = 500): Promise<ProbeResult> {
  let conn: Deno.TcpConn;
  try {
    conn = await connectWithTimeout({ hostname: "127.0.0.1", port }, timeoutMs);
  } catch (err) {
    return err instanceof Deno.errors.ConnectionRefused ? "refused" : "unhealthy";
  }
  try {
    await writeAll(conn, REQUEST);
    const buf = new Uint8Array(64);
    let got = 0;
    while (got < 12) {
      const read = conn.read(buf.subarray(got));
      read.catch(() => {});
      const n = await withTimeout(read, timeoutMs, "health probe");
      if (n === null) break;
      got += n;
    }
    const line = new TextDecoder().decode(buf.subarray(0, got));
    return /^HTTP\/1\.[01] 200[ \r]/.test(line) ? "healthy" : "unhealthy";
  } catch {
    return "unhealthy";
  } finally {
    safeClose(conn);
  }
}
