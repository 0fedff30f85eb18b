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
  /**
   * Drains the connection for a shutdown without failing a request: the response in flight
   * says `connection: close` (when its head is not sent yet) and the connection ends after
   * it; a request that arrives within the grace is served the same way; an idle connection is
   * ended after the grace, never while holding a partly read request.
   */
  closeWhenIdle(): void;
  /** Closes the connection if its idle or head deadline has passed (called by a shared sweeper). */
  sweep(nowMs: number): void;
  /** Resolves when the connection is finished with. */
  done: Promise<void>;
}

const enc = new TextEncoder();

/**
 * A draining connection is ended once it has been idle this long; a request that arrives before
 * is answered, with `connection: close`. Ending a connection while its client is about to send
 * on it fails that request: the longer a client has been quiet, the less likely it is to send
 * in the instant the close takes to reach it. A client that goes on at once (back to back, or
 * after a response sent before the drain began, hence without `connection: close`) is always
 * served.
 */
export const DRAIN_IDLE_MS = 2000;

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
  /** Bytes of a request head read so far (0 between requests). */
  let headBytes = 0;
  /** When the connection last became idle (its last response ended). */
  let idleSince = performance.now();
  // A deadline checked by the server's sweeper instead of a timer per request: arming and
  // clearing node timers twice per exchange was a measurable share of the daemon's CPU.
  let deadline = Infinity;
  const arm = (ms: number) => deadline = performance.now() + ms;
  const disarm = () => deadline = Infinity;

  const loop = async (): Promise<void> => {
    let buf: Uint8Array = new Uint8Array(0);
    for (;;) {
      headBytes = buf.length;
      if (buf.length === 0) idleSince = performance.now();
      if (closing && buf.length === 0) {
        // Between requests while draining: serve one that comes soon, else end.
        if (!(await input.readable(DRAIN_IDLE_MS)) || input.drained()) {
          sock.end();
          return;
        }
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
        headBytes = buf.length;
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
          closing: () => closing,
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
      if (closing) return;
      closing = true;
      // Idle: ended once idle for DRAIN_IDLE_MS in all; a partly read head or a request in
      // flight finishes first and is answered with `connection: close`.
      const timer = setTimeout(() => {
        if (!busy && headBytes === 0 && !input.pending() && !sock.destroyed) {
          disarm();
          sock.end();
          input.cancel();
        }
      }, Math.max(0, DRAIN_IDLE_MS - (performance.now() - idleSince)));
      Deno.unrefTimer(timer as unknown as number);
    },
    done,
  };
}
