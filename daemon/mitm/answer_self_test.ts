/**
 * The daemon's side of `init`'s self-test: requests on an intercepted connection to
 * `SELF_TEST_HOST` are answered here, with no upstream, after going through the same
 * observer (meter → store) as a real call, so the self-test proves TLS interception with
 * our CA *and* a written row. Called from one line in create_mitm_server.ts.
 */
import type http from "node:http";
import { SELF_TEST_HOST } from "../../core/mod.ts";
import type { ConnectionInfo } from "./forward_exchange.ts";
import { headersFromRaw } from "./strip_hop_by_hop.ts";
import type { ExchangeObserver, MitmOptions } from "./types.ts";

/** The header that marks a row as a self-test (kept in step with daemon/meter's SELF_TEST_HEADER). */
const SELF_TEST_HEADER = "x-halton-meter-self-test";

/** Answers and returns true when the request is a self-test; false leaves it to forwarding. */
export function answerSelfTest(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  conn: ConnectionInfo,
  onCall: MitmOptions["onCall"],
  now: () => number,
  guard: (what: string, fn: () => void) => void,
): boolean {
  if (conn.host.toLowerCase().replace(/\.$/, "") !== SELF_TEST_HOST) return false;
  const startedAt = now();
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const headers = headersFromRaw(req.rawHeaders);
  // Whatever the client sent, a row for this host is a self-test row (kept out of reports).
  if (!headers.has(SELF_TEST_HEADER)) headers.set(SELF_TEST_HEADER, "1");
  let observer: ExchangeObserver | undefined;
  guard("onCall", () => {
    observer = onCall?.({
      host: SELF_TEST_HOST,
      port: conn.port,
      method: req.method ?? "GET",
      path: q < 0 ? url : url.slice(0, q),
      query: q < 0 ? "" : url.slice(q + 1),
      headers,
      proxyAuthorization: conn.proxyAuthorization,
      startedAt,
    }) ?? undefined;
  });
  let bytesUp = 0;
  req.on("data", (chunk: Uint8Array) => {
    bytesUp += chunk.length;
  });
  req.on("end", () => {
    const body = JSON.stringify({
      ok: true,
      service: "halton-meter",
      pid: Deno.pid,
      nonce: headers.get(SELF_TEST_HEADER),
    });
    const bytes = new TextEncoder().encode(body);
    const obs = observer;
    if (obs?.onRequestEnd) {
      guard("onRequestEnd", () => obs.onRequestEnd?.({ bytes: bytesUp, truncated: false }));
    }
    const responseHeaders = {
      "content-type": "application/json",
      "content-length": String(bytes.length),
    };
    res.writeHead(200, responseHeaders);
    if (obs?.onResponseHead) {
      guard(
        "onResponseHead",
        () => obs.onResponseHead?.({ status: 200, headers: new Headers(responseHeaders) }),
      );
    }
    if (obs?.onResponseBody) guard("onResponseBody", () => obs.onResponseBody?.(bytes));
    res.end(bytes, () => {
      if (obs?.onEnd) {
        const endedAt = now();
        guard("onEnd", () =>
          obs.onEnd?.({
            ttfbMs: endedAt - startedAt,
            endedAt,
            bytesUp,
            bytesDown: bytes.length,
            status: 200,
          }));
      }
    });
  });
  return true;
}
