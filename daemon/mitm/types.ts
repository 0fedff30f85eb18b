/** Public types of the interception + forwarding engine (see mod.ts). */
import type { ConnectTls } from "./create_upstream_pool.ts";

/** The intercepted client connection a request came on: the same object for every request on that connection (usable as a WeakMap key for per-connection caches). */
export interface ClientConnection {
  /** The client's TCP source port and the loopback port it connected to (the edge's; or the daemon's own when the client came straight to the daemon); null when unknown. */
  client: { port: number; serverPort: number } | null;
}

/** What the engine knows about a request when its head arrives. */
export interface RequestInfo {
  /** Host from the CONNECT line (the TLS SNI name when it differs and was sent). */
  host: string;
  port: number;
  method: string;
  /** Path without the query string. */
  path: string;
  /** Query string without the leading `?`; "" when absent. */
  query: string;
  headers: Headers;
  /** `Proxy-Authorization` value from the CONNECT head, or null. */
  proxyAuthorization: string | null;
  /** Epoch ms (deps.now()). */
  startedAt: number;
  connection: ClientConnection;
}

export interface ResponseHeadInfo {
  status: number;
  headers: Headers;
}

export interface RequestEndInfo {
  /** Request body bytes seen (all of them, even past the cap). */
  bytes: number;
  /** True when the body exceeded maxRequestBodyBytes: the observer saw only a prefix. */
  truncated: boolean;
}

/** Why an exchange failed. `upstream_*` before the response head produce a 502. */
export type ExchangeErrorKind =
  | "upstream_refused"
  | "upstream_dns"
  | "upstream_tls"
  | "upstream_timeout"
  | "upstream_reset"
  | "upstream_error"
  | "client_aborted";

export interface ExchangeEndInfo {
  /** ms from startedAt to the upstream response head; null when none arrived. */
  ttfbMs: number | null;
  endedAt: number;
  /** Request body bytes forwarded upstream. */
  bytesUp: number;
  /** Response body bytes forwarded to the client (as sent: compressed when compressed). */
  bytesDown: number;
  /** Status the client saw (502 when the engine answered for a failed upstream); null if none. */
  status: number | null;
  error?: { kind: ExchangeErrorKind; message: string };
  /** Set when the tee copy of a compressed body could not be decoded (forwarding unaffected). */
  decodeError?: string;
  /** The engine answered with the observer's block decision; nothing went upstream. */
  blocked?: boolean;
  /**
   * After a 101 (a WebSocket or another protocol): who ended the session: for a WebSocket the
   * side that sent the first close frame, else the side whose connection ended first; `policy`
   * when the engine ended it for a blocked message (`decideWsMessage`). Byte counts include
   * the session's bytes both ways.
   */
  session?: { closedBy: "client" | "server" | "policy" };
}

/**
 * One message of an intercepted WebSocket session, read from a copy of the bytes (unmasked,
 * reassembled, decompressed); what is forwarded is never changed.
 */
export interface WsMessageInfo {
  from: "client" | "server";
  /** A text message's text; null for binary messages and when it could not be read. */
  text: string | null;
  binary: boolean;
  /** Why the message could not be read (too large, bad compression); or, with `fatal`, why the rest of this direction cannot be. */
  error: string | null;
  fatal?: boolean;
  /** Epoch ms when the message's last byte arrived. */
  at: number;
}

/**
 * What policy says about a client's WebSocket message before it goes upstream. `block`: the
 * message is not forwarded; the client gets `messages` as text frames, then a close frame,
 * and the session ends (the upstream's decompression context would not survive a missing
 * message, so the session cannot go on without it).
 */
export type WsDecision =
  | { action: "allow" }
  | { action: "block"; messages: string[]; close: { code: number; reason: string } };

/**
 * What policy says about one exchange before it goes upstream (see `ExchangeObserver.decide`).
 * `block`: the engine answers the client with this response itself and sends nothing upstream.
 * `warn`: forwarded, and the response to the client carries `x-halton-meter-warning`.
 */
export type Decision =
  | { action: "allow" }
  | { action: "warn"; warning: string }
  | {
    action: "block";
    status: number;
    reason: string;
    headers: [string, string][];
    body: Uint8Array;
  };

/**
 * Per-exchange observer. Every method is optional and every call is wrapped: an exception is
 * logged and ignored, it never affects forwarding.
 */
export interface ExchangeObserver {
  /**
   * Present only when a policy is in force: asked once the request head and its body (up to
   * maxRequestBodyBytes, buffered for it) are known, before any byte goes upstream. A throw or
   * a rejection counts as allow: a policy failure never fails a call.
   */
  decide?(): Decision | Promise<Decision>;
  /** Request body chunks, at most maxRequestBodyBytes in total. */
  onRequestBody?(chunk: Uint8Array): void;
  onRequestEnd?(info: RequestEndInfo): void;
  onResponseHead?(head: ResponseHeadInfo): void;
  /** Response body, DECODED when the response has content-encoding gzip/deflate/br. */
  onResponseBody?(chunk: Uint8Array): void;
  /**
   * After a 101 to a WebSocket: each message of the session, both ways, in the order each
   * direction sent them. The response body hooks are not called for such a session.
   */
  onWsMessage?(message: WsMessageInfo): void;
  /**
   * Present only when a policy is in force: asked for each client text message of a
   * WebSocket session before it is forwarded (the message's bytes are held meanwhile). A
   * throw or a rejection counts as allow.
   */
  decideWsMessage?(message: WsMessageInfo): WsDecision | Promise<WsDecision>;
  /** Called exactly once, after the last onResponseBody (or, for a session, at its end). */
  onEnd?(info: ExchangeEndInfo): void;
}

/** Server-side TLS failures, counted in stats and logged once; never thrown. */
export type TlsFailureKind =
  | "cert-rejected"
  | "reset"
  | "handshake-timeout"
  | "not-tls"
  | "certificate-unavailable"
  | "other";

export type MitmLogLevel = "debug" | "info" | "warn" | "error";
export type MitmLog = (
  level: MitmLogLevel,
  message: string,
  fields?: Record<string, unknown>,
) => void;

export interface MitmOptions {
  /** Hosts to decrypt and meter; others are tunnelled raw. */
  shouldIntercept(host: string): boolean;
  /** Leaf certificate for a server name (minted by daemon/certs). */
  getCertificate(servername: string): Promise<{ certPem: string; keyPem: string }>;
  /** Where to connect for "host:port" (test hook `upstream.resolve`); the TLS name stays host. */
  resolve(hostPort: string): { host: string; port: number };
  /** Extra PEMs trusted upstream, in addition to the bundled roots. */
  upstreamCa?: string[];
  /**
   * Called once per intercepted connection, before its TLS handshake: a head start for work
   * keyed on the connection (finding the client's process). Must not block; exceptions ignored.
   */
  onConnection?(
    connection: ClientConnection,
    connect: { host: string; port: number; proxyAuthorization: string | null },
  ): void;
  /** Called at each request head; the returned observer sees the rest of the exchange. */
  onCall?(request: RequestInfo): ExchangeObserver | undefined | void;
  /** Body of `GET /health` on the proxy port. */
  health(): unknown;
  /** Default 4 MiB. */
  maxRequestBodyBytes?: number;
  /** Opens a verified upstream TLS connection; default TCP to the resolved address + Deno TLS. */
  connectUpstream?: ConnectTls;
  /** Upstream TCP+TLS connect timeout; default 30 s. */
  upstreamConnectTimeoutMs?: number;
  /** Client TLS handshake timeout; default 10 s. */
  handshakeTimeoutMs?: number;
  /** Idle upstream connections kept per host:port; default 64. */
  maxSocketsPerHost?: number;
  /** Idle client keep-alive connections are closed after this; default 60 s. */
  clientKeepAliveMs?: number;
  /** Secure contexts cached per server name; default 256. */
  tlsContextCacheSize?: number;
  now?: () => number;
  log?: MitmLog;
}

export interface MitmStats {
  activeConnections: number;
  activeExchanges: number;
  activeTunnels: number;
  totalConnects: number;
  totalExchanges: number;
  totalTunnels: number;
  badProxyRequests: number;
  tlsFailures: Record<TlsFailureKind, number>;
  exchangeErrors: Record<ExchangeErrorKind, number>;
  observerErrors: number;
  tlsContextsCached: number;
}

export interface MitmServer {
  listen(port: number, hostname?: string): Promise<{ port: number }>;
  /** Stop accepting; in-flight exchanges and tunnels get up to deadlineMs, then are destroyed. */
  close(deadlineMs: number): Promise<void>;
  stats(): MitmStats;
  /** Exchanges in flight now (stats().activeExchanges without the copy). */
  activeExchanges(): number;
}
