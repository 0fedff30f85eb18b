/** Forwards one HTTP exchange from an intercepted connection to the real upstream. */
import type http from "node:http";
import https from "node:https";
import net from "node:net";
import { createBodyDecoder } from "./create_body_decoder.ts";
import { guardEmptyWrites } from "./guard_empty_writes.ts";
import { classifyUpstreamError } from "./classify_error.ts";
import { headersFromRaw, stripHopByHop } from "./strip_hop_by_hop.ts";
import type { ExchangeEndInfo, ExchangeErrorKind, ExchangeObserver, MitmOptions } from "./types.ts";

/** What the engine knows about the intercepted connection a request arrived on. */
export interface ConnectionInfo {
  host: string;
  port: number;
  proxyAuthorization: string | null;
}

export interface ExchangeDeps {
  agent: https.Agent;
  resolve: MitmOptions["resolve"];
  onCall: MitmOptions["onCall"];
  now: () => number;
  maxRequestBodyBytes: number;
  connectTimeoutMs: number;
  /** Runs an observer call, containing (logging + counting) any exception. */
  guard: (what: string, fn: () => void) => void;
  countError: (kind: ExchangeErrorKind) => void;
}

function errorBody(message: string): string {
  return JSON.stringify({
    type: "error",
    error: { type: "halton_meter_upstream_error", message },
  });
}

/** Resolves once the exchange is over and the observer's onEnd has run. */
export function forwardExchange(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  conn: ConnectionInfo,
  deps: ExchangeDeps,
): Promise<void> {
  const startedAt = deps.now();
  const t0 = performance.now();
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  let observer: ExchangeObserver | undefined;
  deps.guard("onCall", () => {
    observer = deps.onCall?.({
      host: conn.host,
      port: conn.port,
      method: req.method ?? "GET",
      path: q < 0 ? url : url.slice(0, q),
      query: q < 0 ? "" : url.slice(q + 1),
      headers: headersFromRaw(req.rawHeaders),
      proxyAuthorization: conn.proxyAuthorization,
      startedAt,
    }) ?? undefined;
  });
  const obs = observer;
  let bytesUp = 0;
  let observedUp = 0;
  let bytesDown = 0;
  let ttfbMs: number | null = null;
  let status: number | null = null;
  let finished = false;
  let decoder = createBodyDecoder(null, () => {});
  let resolveDone = () => {};
  const done = new Promise<void>((r) => resolveDone = r);

  const finish = (error?: { kind: ExchangeErrorKind; message: string }) => {
    if (finished) return;
    finished = true;
    clearTimeout(connectTimer);
    if (error) deps.countError(error.kind);
    decoder.end().then(() => {
      const info: ExchangeEndInfo = { ttfbMs, endedAt: deps.now(), bytesUp, bytesDown, status };
      if (error) info.error = error;
      const decodeError = decoder.error();
      if (decodeError) info.decodeError = decodeError;
      if (obs?.onEnd) deps.guard("onEnd", () => obs.onEnd?.(info));
      resolveDone();
    });
  };

  const target = deps.resolve(`${conn.host}:${conn.port}`);
  const ureq = https.request({
    host: target.host,
    port: target.port,
    // The certificate is checked against the name the client asked for, not the resolved address.
    servername: net.isIP(conn.host) ? undefined : conn.host,
    method: req.method,
    path: url,
    // Our own HTTP server already answered any `Expect: 100-continue`.
    headers: stripHopByHop(req.rawHeaders, ["expect"]),
    setHost: false,
    agent: deps.agent,
    rejectUnauthorized: true,
  });

  const connectTimer = setTimeout(() => {
    ureq.destroy(
      Object.assign(
        new Error(
          `Cannot connect to upstream ${conn.host}:${conn.port} (${target.host}:${target.port}): ` +
            `no TLS connection after ${deps.connectTimeoutMs} ms`,
        ),
        { code: "UPSTREAM_CONNECT_TIMEOUT" },
      ),
    );
  }, deps.connectTimeoutMs);
  ureq.once("socket", (s: net.Socket) => {
    // Before anything is written: ureq.end() may issue a zero-length write that would wedge
    // this pooled socket for the next request (see guard_empty_writes.ts).
    guardEmptyWrites(s);
    s.setNoDelay(true);
    if (ureq.reusedSocket || !s.connecting) clearTimeout(connectTimer);
    else s.once("secureConnect", () => clearTimeout(connectTimer));
  });

  // Upstream failure before the response head: answer for it, with a body clients can parse.
  ureq.on("error", (err: Error) => {
    if (finished) return;
    req.resume(); // drain whatever the client still sends; it is no longer forwarded
    const error = classifyUpstreamError(err);
    if (!res.headersSent) {
      const body = errorBody(
        `Halton Meter could not reach ${conn.host}:${conn.port}: ${error.message}`,
      );
      status = 502;
      res.writeHead(502, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        "x-halton-meter-error": error.kind,
        // The request body may still be arriving; do not leave the connection half-read.
        ...(req.complete ? {} : { connection: "close" }),
      });
      res.end(body);
    } else {
      res.destroy();
    }
    finish(error);
  });

  ureq.on("response", (ures: http.IncomingMessage) => {
    clearTimeout(connectTimer);
    ttfbMs = performance.now() - t0;
    status = ures.statusCode ?? 502;
    const raw = stripHopByHop(ures.rawHeaders);
    res.writeHead(status, ures.statusMessage, raw);
    // Streams (SSE, chunked) get their head at once; a sized body lets node send head and body
    // in one write (measured: a separate head write costs ~10% CPU under load).
    if (ures.headers["content-length"] === undefined) res.flushHeaders();
    if (obs?.onResponseHead) {
      deps.guard(
        "onResponseHead",
        () => obs.onResponseHead?.({ status: status ?? 0, headers: headersFromRaw(raw) }),
      );
    }
    if (obs?.onResponseBody) {
      const ce = ures.headers["content-encoding"];
      decoder = createBodyDecoder(
        typeof ce === "string" ? ce : null,
        (chunk) => deps.guard("onResponseBody", () => obs.onResponseBody?.(chunk)),
      );
    }
    ures.on("data", (chunk: Uint8Array) => {
      bytesDown += chunk.length;
      if (!res.write(chunk)) {
        ures.pause();
        res.once("drain", () => ures.resume());
      }
      decoder.write(chunk);
    });
    ures.on("end", () => {
      if (finished) return;
      if (ures.complete) {
        res.end();
        finish();
      }
    });
    // An upstream that dies mid-body must not look like a clean end to the client.
    ures.on("close", () => {
      if (finished || ures.complete) return;
      res.destroy();
      finish({ kind: "upstream_reset", message: "upstream closed the connection mid-body" });
    });
    ures.on("error", () => {});
  });

  res.on("close", () => {
    if (finished) return;
    ureq.destroy();
    finish({ kind: "client_aborted", message: "client closed the connection" });
  });

  req.on("data", (chunk: Uint8Array) => {
    if (finished) return;
    bytesUp += chunk.length;
    if (obs?.onRequestBody && observedUp < deps.maxRequestBodyBytes) {
      const room = deps.maxRequestBodyBytes - observedUp;
      const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
      observedUp += part.length;
      deps.guard("onRequestBody", () => obs.onRequestBody?.(part));
    }
    if (!ureq.write(chunk)) {
      req.pause();
      ureq.once("drain", () => req.resume());
    }
  });
  req.on("end", () => {
    if (obs?.onRequestEnd) {
      const info = { bytes: bytesUp, truncated: bytesUp > deps.maxRequestBodyBytes };
      deps.guard("onRequestEnd", () => obs.onRequestEnd?.(info));
    }
    if (!finished) ureq.end();
  });
  return done;
}
