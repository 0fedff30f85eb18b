/**
 * Serves HTTP/1.1 exchanges on one intercepted (decrypted) client connection, one at a time:
 * parses each request head (pure parser), forwards head and body to a pooled upstream
 * connection with their framing untouched, streams the response back chunk by chunk as it
 * arrives, and tees both bodies to the exchange observer. Replaces node:http + node:https, which
 * cost most of the daemon's CPU (see docs/BENCHMARKS.md).
 */
import type tls from "node:tls";
import { parseRequestHead, type RequestHead } from "../../edge/mod.ts";
import { ClientInput } from "./_client_input.ts";
import { runExchange } from "./_run_exchange.ts";
import type { UpstreamPool } from "./create_upstream_pool.ts";
import type { ClientConnection, ExchangeErrorKind, MitmOptions } from "./types.ts";

/** What the engine knows about the intercepted connection a request arrived on. */
export interface ConnectionInfo {
  host: string;
  port: number;
  proxyAuthorization: string | null;
  connection: ClientConnection;
}

export interface ServeDeps {
  pool: UpstreamPool;
  resolve: MitmOptions["resolve"];
  onCall: MitmOptions["onCall"];
  now: () => number;
  maxRequestBodyBytes: number;
  /** Idle keep-alive connections are closed after this. */
  keepAliveMs: number;
  /** A started request head must be complete within this. */
  headTimeoutMs: number;
  /** Runs an observer call, containing (logging + counting) any exception. */
  guard: (what: string, fn: () => void) => void;
  countError: (kind: ExchangeErrorKind) => void;
  exchangeStarted(): void;
  exchangeEnded(): void;
}

export interface ServedConnection {
  /** True while an exchange is in flight. */
  busy(): boolean;
  /** Closes now when idle, else right after the current response. */
  closeWhenIdle(): void;
  /** Closes the connection if its idle or head deadline has passed (called by a shared sweeper). */
  sweep(nowMs: number): void;
  /** Resolves when the connection is finished with. */
  done: Promise<void>;
}

const enc = new TextEncoder();

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function wantsKeepAlive(head: RequestHead): boolean {
  let conn = "";
  for (const [k, v] of head.headers) if (k.toLowerCase() === "connection") conn += `,${v}`;
  const tokens = conn.toLowerCase().split(",").map((s) => s.trim());
  return head.version === "HTTP/1.1" ? !tokens.includes("close") : tokens.includes("keep-alive");
}

function errorResponse(status: 400 | 431 | 505, reason: string): Uint8Array {
  const text = {
    400: "Bad Request",
    431: "Request Header Fields Too Large",
    505: "HTTP Version Not Supported",
  }[status];
  const body = `Halton Meter: ${reason}\n`;
  return enc.encode(
    `HTTP/1.1 ${status} ${text}\r\ncontent-type: text/plain\r\ncontent-length: ${body.length}\r\n` +
      `connection: close\r\n\r\n${body}`,
  );
}

export function serveConnection(
  sock: tls.TLSSocket,
  conn: ConnectionInfo,
  deps: ServeDeps,
): ServedConnection {
  const input = new ClientInput(sock);
  let busy = false;
  let closing = false;
  // A deadline checked by the server's sweeper instead of a timer per request: arming and
  // clearing node timers twice per exchange was a measurable share of the daemon's CPU.
  let deadline = Infinity;
  const arm = (ms: number) => deadline = performance.now() + ms;
  const disarm = () => deadline = Infinity;

  const loop = async (): Promise<void> => {
    let buf: Uint8Array = new Uint8Array(0);
    for (;;) {
      if (closing) {
        sock.end();
        return;
      }
      arm(buf.length ? deps.headTimeoutMs : deps.keepAliveMs);
      const parsed = parseRequestHead(buf);
      if (parsed.kind === "error") {
        disarm();
        if (!sock.destroyed) sock.end(errorResponse(parsed.status, parsed.reason));
        return;
      }
      if (parsed.kind === "incomplete") {
        const chunk = await input.next();
        if (chunk === null) {
          disarm();
          sock.end();
          return;
        }
        buf = concat(buf, chunk);
        continue;
      }
      disarm();
      const head = parsed.head;
      busy = true;
      deps.exchangeStarted();
      let result;
      try {
        result = await runExchange(sock, input, conn, head, buf.subarray(head.headLength), {
          ...deps,
          keepAlive: wantsKeepAlive(head),
        });
      } finally {
        busy = false;
        deps.exchangeEnded();
      }
      const m = result.metered;
      metering.add(m);
      m.finally(() => metering.delete(m));
      if (!result.keepAlive || sock.destroyed) {
        if (!sock.destroyed) sock.end();
        return;
      }
      buf = result.leftover;
    }
  };
  const metering = new Set<Promise<void>>();
  const done = loop().catch(() => {
    sock.destroy();
  }).finally(disarm).then(() => Promise.all(metering)).then(() => {});
  return {
    busy: () => busy,
    sweep(nowMs) {
      if (nowMs > deadline) sock.destroy();
    },
    closeWhenIdle() {
      closing = true;
      if (!busy) {
        disarm();
        sock.destroy();
        input.cancel();
      }
    },
    done,
  };
}
