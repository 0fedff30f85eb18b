/**
 * The daemon's side of `init`'s self-test. A connection intercepted for `SELF_TEST_HOST` is
 * answered here, on the decrypted socket, with no upstream: one small JSON response, after
 * driving the same observer (meter → store) a real call does, so the self-test proves TLS
 * interception with our CA *and* a written row. It works on the socket, not on the engine's
 * HTTP layer, so it stays one line in whichever engine hands out decrypted sockets:
 * `if (answerSelfTest(tlsSock, conn, opts.onCall, now, guard)) return;`.
 */
import { SELF_TEST_HOST } from "../../core/mod.ts";
import type { ClientConnection, ExchangeObserver, MitmOptions } from "./types.ts";

/** The header that marks a row as a self-test (kept in step with daemon/meter's SELF_TEST_HEADER). */
const SELF_TEST_HEADER = "x-halton-meter-self-test";
const MAX_HEAD = 16 * 1024;

/** The slice of a decrypted socket this needs (node `tls.TLSSocket` has it). */
export interface SelfTestSocket {
  on(event: "data", fn: (chunk: Uint8Array) => void): unknown;
  on(event: "error", fn: (err: Error) => void): unknown;
  off(event: "data", fn: (chunk: Uint8Array) => void): unknown;
  end(data: Uint8Array, cb?: () => void): unknown;
  destroy(): unknown;
}

export interface SelfTestConnection {
  host: string;
  port: number;
  proxyAuthorization: string | null;
  connection: ClientConnection;
}

/** Takes the socket and returns true when the connection is a self-test; else leaves it alone. */
export function answerSelfTest(
  sock: SelfTestSocket,
  conn: SelfTestConnection,
  onCall: MitmOptions["onCall"],
  now: () => number,
  guard: (what: string, fn: () => void) => void,
): boolean {
  if (conn.host.toLowerCase().replace(/\.$/, "") !== SELF_TEST_HOST) return false;
  let head = "";
  const onData = (chunk: Uint8Array) => {
    for (const byte of chunk) head += String.fromCharCode(byte);
    const end = head.indexOf("\r\n\r\n");
    if (end < 0) {
      if (head.length > MAX_HEAD) sock.destroy();
      return;
    }
    sock.off("data", onData);
    respond(head.slice(0, end));
  };
  sock.on("data", onData);
  sock.on("error", () => {}); // a client gone mid-test is its own failure to report

  const respond = (text: string) => {
    const startedAt = now();
    const [requestLine = "", ...lines] = text.split("\r\n");
    const [method = "GET", target = "/"] = requestLine.split(" ");
    const headers = new Headers();
    for (const line of lines) {
      const i = line.indexOf(":");
      if (i <= 0) continue;
      try {
        headers.append(line.slice(0, i).trim(), line.slice(i + 1).trim());
      } catch { /* an invalid header is ignored, as the answer does not depend on it */ }
    }
    // Whatever the client sent, a row for this host is a self-test row (kept out of reports).
    if (!headers.has(SELF_TEST_HEADER)) headers.set(SELF_TEST_HEADER, "1");
    const q = target.indexOf("?");
    let observer: ExchangeObserver | undefined;
    guard("onCall", () => {
      observer = onCall?.({
        host: SELF_TEST_HOST,
        port: conn.port,
        method,
        path: q < 0 ? target : target.slice(0, q),
        query: q < 0 ? "" : target.slice(q + 1),
        headers,
        proxyAuthorization: conn.proxyAuthorization,
        startedAt,
        connection: conn.connection,
      }) ?? undefined;
    });
    const obs = observer;
    const body = new TextEncoder().encode(JSON.stringify({
      ok: true,
      service: "halton-meter",
      pid: Deno.pid,
      nonce: headers.get(SELF_TEST_HEADER),
    }));
    const responseHeaders = {
      "content-type": "application/json",
      "content-length": String(body.length),
    };
    if (obs?.onRequestEnd) {
      guard("onRequestEnd", () => obs.onRequestEnd?.({ bytes: 0, truncated: false }));
    }
    if (obs?.onResponseHead) {
      guard(
        "onResponseHead",
        () => obs.onResponseHead?.({ status: 200, headers: new Headers(responseHeaders) }),
      );
    }
    if (obs?.onResponseBody) guard("onResponseBody", () => obs.onResponseBody?.(body));
    const headBytes = new TextEncoder().encode(
      "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n" +
        `content-length: ${body.length}\r\nconnection: close\r\n\r\n`,
    );
    const out = new Uint8Array(headBytes.length + body.length);
    out.set(headBytes);
    out.set(body, headBytes.length);
    sock.end(out, () => {
      if (!obs?.onEnd) return;
      const endedAt = now();
      guard("onEnd", () =>
        obs.onEnd?.({
          ttfbMs: endedAt - startedAt,
          endedAt,
          bytesUp: 0,
          bytesDown: body.length,
          status: 200,
        }));
    });
  };
  return true;
}
