import type { Logger } from "../core/mod.ts";
import type { HealthCache } from "./health_cache.ts";
import { connectWithTimeout, response, safeClose, withTimeout, writeAll } from "./io.ts";
import { type Authority, formatAuthority, parseAuthority } from "./parse_authority.ts";
import { MAX_HEAD_BYTES, parseRequestHead, type RequestHead } from "./parse_request_head.ts";
import { type BufferBudget, pipeBoth } from "./pipe.ts";
import type { TunnelRehomer } from "./rehome_tunnels.ts";
import { type ClientPorts, rewriteChainHead } from "./rewrite_chain_head.ts";

export interface EdgeContext {
  isIntercepted(host: string): boolean;
  health: HealthCache;
  /** The daemon's internal (mitm) port, from effective-ports.json; undefined when unknown. */
  daemonPort(): number | undefined;
  /** `upstream.resolve`: where to connect for `host:port`. */
  resolve(target: Authority): { hostname: string; port: number };
  headTimeoutMs: number;
  connectTimeoutMs: number;
  daemonConnectTimeoutMs: number;
  log: Logger;
  /** Body of `GET /health` on the edge port. */
  healthBody(): string;
  connect?: (o: Deno.ConnectOptions) => Promise<Deno.TcpConn>;
  /** Shared cap on enlarged tunnel buffers. */
  buffers: BufferBudget;
  /** Follows raw tunnels to metered hosts, to close them once the daemon is back. */
  rehomer?: TunnelRehomer;
}

type HeadRead =
  | { kind: "request"; head: RequestHead; bytes: Uint8Array }
  | { kind: "error"; status: number; reason: string }
  | { kind: "timeout" }
  | { kind: "eof" };

const REASONS: Record<number, string> = {
  400: "Bad Request",
  408: "Request Timeout",
  431: "Request Header Fields Too Large",
  502: "Bad Gateway",
  505: "HTTP Version Not Supported",
};

async function readHead(conn: Deno.Conn, timeoutMs: number): Promise<HeadRead> {
  const deadline = performance.now() + timeoutMs;
  let buf = new Uint8Array(0);
  const chunk = new Uint8Array(16 * 1024);
  while (true) {
    const remaining = deadline - performance.now();
    if (remaining <= 0) return { kind: "timeout" };
    const pending = conn.read(chunk);
    pending.catch(() => {}); // after a timeout the socket is closed under this read
    let n: number | null;
    try {
      n = await withTimeout(pending, remaining, "request head");
    } catch (err) {
      return err instanceof Deno.errors.TimedOut ? { kind: "timeout" } : { kind: "eof" };
    }
    if (n === null) return { kind: "eof" };
    const next = new Uint8Array(buf.length + n);
    next.set(buf);
    next.set(chunk.subarray(0, n), buf.length);
    buf = next;
    const parsed = parseRequestHead(buf);
    if (parsed.kind === "request") return { kind: "request", head: parsed.head, bytes: buf };
    if (parsed.kind === "error") return parsed;
    if (buf.length > MAX_HEAD_BYTES) {
      return { kind: "error", status: 431, reason: `header block exceeds ${MAX_HEAD_BYTES} bytes` };
    }
  }
}

async function reply(conn: Deno.Conn, status: number, body: string): Promise<void> {
  try {
    await writeAll(
      conn,
      response(status, REASONS[status] ?? "Error", `halton-meter edge: ${body}`),
    );
  } catch { /* client gone */ }
}

function describeConnectError(err: unknown): string {
  if (err instanceof Deno.errors.ConnectionRefused) return "connection refused";
  if (err instanceof Deno.errors.TimedOut) return "connect timed out";
  if (err instanceof Deno.errors.NotFound) return "host name not found";
  if (err instanceof Error) return err.message.split("\n")[0].slice(0, 200);
  return String(err).slice(0, 200);
}

/** Reads the daemon's answer to a chained CONNECT: its status and the head bytes. */
async function readStatus(
  conn: Deno.Conn,
  timeoutMs: number,
): Promise<{ status: number; bytes: Uint8Array } | null> {
  const deadline = performance.now() + timeoutMs;
  let buf = new Uint8Array(0);
  const chunk = new Uint8Array(4096);
  while (buf.length <= 8192) {
    const remaining = deadline - performance.now();
    if (remaining <= 0) return null;
    const pending = conn.read(chunk);
    pending.catch(() => {});
    const n = await withTimeout(pending, remaining, "daemon CONNECT answer").catch(() => null);
    if (n === null) return null;
    const next = new Uint8Array(buf.length + n);
    next.set(buf);
    next.set(chunk.subarray(0, n), buf.length);
    buf = next;
    const text = new TextDecoder("latin1").decode(buf);
    const end = text.indexOf("\r\n\r\n");
    if (end >= 0) {
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      return m ? { status: Number(m[1]), bytes: buf } : null;
    }
  }
  return null;
}

/**
 * Chains the CONNECT to the daemon. Returns false, having answered nothing to the
 * client, when the daemon cannot take it: the caller then tunnels directly.
 */
async function chainToDaemon(
  client: Deno.Conn,
  headBytes: Uint8Array,
  early: Uint8Array,
  port: number,
  ctx: EdgeContext,
): Promise<boolean> {
  let daemon: Deno.TcpConn;
  try {
    daemon = await connectWithTimeout(
      { hostname: "127.0.0.1", port },
      ctx.daemonConnectTimeoutMs,
      ctx.connect,
    );
  } catch (err) {
    if (err instanceof Deno.errors.ConnectionRefused) ctx.health.markDown();
    ctx.log.log("warn", "daemon refused chain; tunnelling directly", {
      reason: describeConnectError(err),
    });
    return false;
  }
  try {
    daemon.setNoDelay(true);
    await writeAll(daemon, headBytes);
    const answer = await readStatus(daemon, ctx.daemonConnectTimeoutMs * 5);
    if (!answer || answer.status !== 200) {
      ctx.log.log("warn", "daemon did not accept chain; tunnelling directly", {
        status: answer?.status ?? "none",
      });
      safeClose(daemon);
      return false;
    }
    await writeAll(client, answer.bytes);
  } catch (err) {
    ctx.log.log("warn", "daemon chain failed before answer; tunnelling directly", {
      reason: describeConnectError(err),
    });
    safeClose(daemon);
    return false;
  }
  if (early.length > 0) {
    try {
      await writeAll(daemon, early);
    } catch {
      safeClose(daemon);
      safeClose(client);
      return true;
    }
  }
  await pipeBoth(client, daemon, ctx.buffers);
  return true;
}

async function connectUpstream(
  client: Deno.Conn,
  target: Authority,
  ctx: EdgeContext,
): Promise<Deno.TcpConn | null> {
  const dest = ctx.resolve(target);
  try {
    const conn = await connectWithTimeout(dest, ctx.connectTimeoutMs, ctx.connect);
    conn.setNoDelay(true);
    return conn;
  } catch (err) {
    const reason = describeConnectError(err);
    ctx.log.log("warn", "upstream unreachable", { reason });
    await reply(client, 502, `cannot connect to ${formatAuthority(target)}: ${reason}`);
    return null;
  }
}

const ESTABLISHED = new TextEncoder().encode("HTTP/1.1 200 Connection Established\r\n\r\n");

async function tunnelDirect(
  client: Deno.Conn,
  target: Authority,
  early: Uint8Array,
  ctx: EdgeContext,
  metered: boolean,
) {
  const upstream = await connectUpstream(client, target, ctx);
  if (!upstream) return;
  try {
    await writeAll(client, ESTABLISHED);
    if (early.length > 0) await writeAll(upstream, early);
  } catch {
    safeClose(upstream);
    return;
  }
  // A metered host tunnelled raw (the daemon was down): closed when idle once it is back.
  const activity = metered && ctx.rehomer
    ? ctx.rehomer.track(target.host, () => {
      safeClose(client);
      safeClose(upstream);
    })
    : undefined;
  try {
    await pipeBoth(client, upstream, ctx.buffers, activity);
  } finally {
    activity?.done();
  }
}

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authorization",
  "proxy-authenticate",
  "te",
  "trailer",
  "upgrade",
]);

async function forwardPlainHttp(
  client: Deno.Conn,
  head: RequestHead,
  bytes: Uint8Array,
  ctx: EdgeContext,
) {
  let url: URL;
  try {
    url = new URL(head.target);
  } catch {
    await reply(client, 400, "malformed absolute URL");
    return;
  }
  const auth = parseAuthority(url.host, 80);
  if (!auth.ok || url.username || url.password) {
    await reply(client, 400, `bad target host: ${auth.ok ? "credentials in URL" : auth.reason}`);
    return;
  }
  const upstream = await connectUpstream(client, auth.value, ctx);
  if (!upstream) return;
  // One request per connection: the next request on a keep-alive client connection
  // may name another origin, so ask both sides to close after this exchange.
  const listed = new Set<string>();
  for (const [k, v] of head.headers) {
    if (k.toLowerCase() === "connection") {
      for (const t of v.split(",")) listed.add(t.trim().toLowerCase());
    }
  }
  let text = `${head.method} ${url.pathname}${url.search} ${head.version}\r\n`;
  let hasHost = false;
  for (const [k, v] of head.headers) {
    const lower = k.toLowerCase();
    if (HOP_BY_HOP.has(lower) || listed.has(lower)) continue;
    if (lower === "host") hasHost = true;
    text += `${k}: ${v}\r\n`;
  }
  if (!hasHost) text += `Host: ${url.host}\r\n`;
  text += "Connection: close\r\n\r\n";
  try {
    await writeAll(upstream, new TextEncoder().encode(text));
    const rest = bytes.subarray(head.headLength);
    if (rest.length > 0) await writeAll(upstream, rest);
  } catch {
    safeClose(upstream);
    return;
  }
  await pipeBoth(client, upstream, ctx.buffers);
}

function clientPorts(conn: Deno.Conn): ClientPorts | null {
  const remote = conn.remoteAddr;
  const local = conn.localAddr;
  if (remote.transport !== "tcp" || local.transport !== "tcp") return null;
  return { port: remote.port, serverPort: local.port };
}

/** Serves one client connection on the edge port, start to finish. Never throws. */
export async function handleConnection(conn: Deno.Conn, ctx: EdgeContext): Promise<void> {
  try {
    const read = await readHead(conn, ctx.headTimeoutMs);
    if (read.kind === "eof") return;
    if (read.kind === "timeout") {
      await reply(conn, 408, "request head not received in time");
      return;
    }
    if (read.kind === "error") {
      await reply(conn, read.status, `cannot parse proxy request: ${read.reason}`);
      return;
    }
    const { head, bytes } = read;
    if (head.method === "CONNECT") {
      const target = parseAuthority(head.target);
      if (!target.ok) {
        await reply(conn, 400, `bad CONNECT target: ${target.reason}`);
        return;
      }
      const early = bytes.subarray(head.headLength);
      // Only metered hosts need the daemon's port (a file read): check the host first.
      const metered = ctx.isIntercepted(target.value.host);
      const port = metered ? ctx.daemonPort() : undefined;
      if (port !== undefined) {
        if (await ctx.health.isHealthy()) {
          // The daemon learns which client connection this is (to find the client's process).
          const headBytes = rewriteChainHead(bytes.subarray(0, head.headLength), clientPorts(conn));
          if (await chainToDaemon(conn, headBytes, early, port, ctx)) return;
        }
      }
      await tunnelDirect(conn, target.value, early, ctx, metered);
      return;
    }
    if (/^http:\/\//i.test(head.target)) {
      await forwardPlainHttp(conn, head, bytes, ctx);
      return;
    }
    if (head.target === "/health" && head.method === "GET") {
      const body = ctx.healthBody();
      await writeAll(
        conn,
        new TextEncoder().encode(
          `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${
            new TextEncoder().encode(body).length
          }\r\nConnection: close\r\n\r\n${body}`,
        ),
      ).catch(() => {});
      return;
    }
    if (/^https:\/\//i.test(head.target)) {
      await reply(conn, 400, "https:// requests must use CONNECT");
      return;
    }
    await reply(
      conn,
      400,
      "not a proxy request: this port is an HTTP proxy (use it as HTTPS_PROXY=http://127.0.0.1:<port>)",
    );
  } catch (err) {
    ctx.log.log("error", "edge connection failed", { error: describeConnectError(err) });
  } finally {
    safeClose(conn);
  }
}
