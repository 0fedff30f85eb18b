/** How the client reaches the source: straight TCP (direct, HAProxy) or via an HTTP CONNECT proxy. */
export type Route =
  | { kind: "tcp"; port: number }
  | { kind: "connect"; proxyPort: number; targetPort: number };

export interface OpenedRoute {
  conn: Deno.TcpConn;
  /** Payload bytes already read together with the proxy's answer. */
  early: number;
}

const HEAD_END = "\r\n\r\n";

/**
 * Connects along `route`; for a CONNECT route, sends the request and reads the
 * proxy's answer, failing unless it is a 200. `head` is scratch space for that answer.
 */
export async function openRoute(route: Route, head: Uint8Array): Promise<OpenedRoute> {
  const port = route.kind === "tcp" ? route.port : route.proxyPort;
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  if (route.kind === "tcp") return { conn, early: 0 };
  try {
    const target = `127.0.0.1:${route.targetPort}`;
    const req = new TextEncoder().encode(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
    let off = 0;
    while (off < req.length) off += await conn.write(req.subarray(off));
    let text = "";
    while (true) {
      const n = await conn.read(head);
      if (n === null) throw new Error(`proxy on port ${port} closed before answering CONNECT`);
      text += new TextDecoder("latin1").decode(head.subarray(0, n));
      const end = text.indexOf(HEAD_END);
      if (end >= 0) {
        if (!/^HTTP\/1\.[01] 200 /.test(text)) {
          throw new Error(
            `proxy on port ${port} refused CONNECT ${target}: ${text.split("\r\n")[0]}`,
          );
        }
        return { conn, early: text.length - end - HEAD_END.length };
      }
      if (text.length > 65536) throw new Error(`proxy on port ${port} sent an oversized answer`);
    }
  } catch (err) {
    try {
      conn.close();
    } catch { /* closed */ }
    throw err;
  }
}

/**
 * Closes `conn` if `ms` pass or `signal` aborts first, so a stalled path fails the
 * bench instead of hanging it. Call the returned function when done.
 */
export function guardConn(conn: Deno.Conn, ms: number, signal: AbortSignal): () => void {
  const close = () => {
    try {
      conn.close();
    } catch { /* closed */ }
  };
  const timer = setTimeout(close, ms);
  signal.addEventListener("abort", close, { once: true });
  return () => {
    clearTimeout(timer);
    signal.removeEventListener("abort", close);
  };
}

export function describeRoute(route: Route): string {
  return route.kind === "tcp"
    ? `tcp 127.0.0.1:${route.port}`
    : `CONNECT 127.0.0.1:${route.targetPort} through 127.0.0.1:${route.proxyPort}`;
}
