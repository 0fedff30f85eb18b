/**
 * The interception + forwarding engine: an HTTP proxy listener (CONNECT, `GET /health`) that
 * terminates TLS for intercepted hosts (node:tls, for SNICallback), serves HTTP/1.1 on it with
 * its own parser (serve_connection.ts), forwards each exchange over a pool of verified
 * Deno-native TLS connections, tees it to an observer, and tunnels every other host raw.
 */
import net from "node:net";
import tls from "node:tls";
import { answerSelfTest } from "./answer_self_test.ts";
import { classifyTlsFailure } from "./classify_error.ts";
import { createContextCache } from "./create_context_cache.ts";
import { createUpstreamPool } from "./create_upstream_pool.ts";
import { concat } from "./_exchange_io.ts";
import { guardEmptyWrites } from "./guard_empty_writes.ts";
import { openRawTunnel } from "./open_raw_tunnel.ts";
import { parseClientHello } from "./parse_client_hello.ts";
import { parseProxyHead, type ProxyHead } from "./parse_proxy_head.ts";
import { serveConnection, type ServedConnection, type ServeDeps } from "./serve_connection.ts";
import type {
  ClientConnection,
  ExchangeErrorKind,
  MitmOptions,
  MitmServer,
  MitmStats,
  TlsFailureKind,
} from "./types.ts";

const HEAD_TIMEOUT_MS = 30_000;

function plainResponse(status: number, reason: string, contentType: string, body: string): string {
  return `HTTP/1.1 ${status} ${reason}\r\ncontent-type: ${contentType}\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`;
}

export function createMitmServer(opts: MitmOptions): MitmServer {
  const now = opts.now ?? Date.now;
  const log = opts.log ?? (() => {});
  const handshakeTimeoutMs = opts.handshakeTimeoutMs ?? 10_000;
  const stats: MitmStats = {
    activeConnections: 0,
    activeExchanges: 0,
    activeTunnels: 0,
    totalConnects: 0,
    totalExchanges: 0,
    totalTunnels: 0,
    badProxyRequests: 0,
    tlsFailures: {
      "cert-rejected": 0,
      reset: 0,
      "handshake-timeout": 0,
      "not-tls": 0,
      "certificate-unavailable": 0,
      other: 0,
    },
    exchangeErrors: {
      upstream_refused: 0,
      upstream_dns: 0,
      upstream_tls: 0,
      upstream_timeout: 0,
      upstream_reset: 0,
      upstream_error: 0,
      client_aborted: 0,
    },
    observerErrors: 0,
    tlsContextsCached: 0,
  };
  const contexts = createContextCache(opts.getCertificate, opts.tlsContextCacheSize ?? 256);
  const pool = createUpstreamPool({
    caCerts: opts.upstreamCa,
    connectTimeoutMs: opts.upstreamConnectTimeoutMs ?? 30_000,
    maxIdlePerKey: opts.maxSocketsPerHost ?? 64,
    connect: opts.connectUpstream,
  });

  let closing = false;
  const sockets = new Set<net.Socket>();
  const served = new Set<ServedConnection>();
  const inFlight = new Set<Promise<void>>();
  const tunnels = new Set<{ destroy(): void }>();

  const guard = (what: string, fn: () => void) => {
    try {
      fn();
    } catch (err) {
      stats.observerErrors++;
      log("warn", `observer ${what} threw; ignored, forwarding continues`, {
        error: err instanceof Error ? err.message : String(err),
      });
    }
  };
  const track = (p: Promise<void>) => {
    inFlight.add(p);
    p.finally(() => inFlight.delete(p));
  };
  const serveDeps: ServeDeps = {
    pool,
    resolve: opts.resolve,
    onCall: opts.onCall,
    now,
    maxRequestBodyBytes: opts.maxRequestBodyBytes ?? 4 * 1024 * 1024,
    keepAliveMs: opts.clientKeepAliveMs ?? 60_000,
    headTimeoutMs: 60_000,
    guard,
    countError: (kind: ExchangeErrorKind) => stats.exchangeErrors[kind]++,
    exchangeStarted: () => {
      stats.activeExchanges++;
      stats.totalExchanges++;
    },
    exchangeEnded: () => stats.activeExchanges--,
  };

  const keepAliveMs = opts.clientKeepAliveMs ?? 60_000;
  const sweeper = setInterval(() => {
    const t = performance.now();
    for (const s of served) s.sweep(t);
  }, Math.min(1000, Math.max(25, keepAliveMs / 4)));
  Deno.unrefTimer(sweeper as unknown as number);

  const tlsFailure = (kind: TlsFailureKind, host: string, detail: string) => {
    stats.tlsFailures[kind]++;
    log("info", `client TLS handshake failed for ${host}: ${kind}`, { detail });
  };

  /**
   * Terminates TLS on `sock` with `ctx`; `timer` (the handshake deadline) is cleared once the
   * handshake is done or failed. No `SNICallback`: the certificate was picked from the
   * ClientHello already.
   */
  const startTls = (
    sock: net.Socket,
    head: Extract<ProxyHead, { kind: "connect" }>,
    ctx: tls.SecureContext,
    timer: ReturnType<typeof setTimeout>,
    connection: ClientConnection,
  ) => {
    const tlsSock = new tls.TLSSocket(sock, {
      isServer: true,
      secureContext: ctx,
      ALPNProtocols: ["http/1.1"],
    });
    let secured = false;
    tlsSock.once("secure", () => {
      secured = true;
      clearTimeout(timer);
    });
    tlsSock.on("error", (err: Error) => {
      if (!secured) {
        clearTimeout(timer);
        secured = true; // log a failed handshake once
        tlsFailure(classifyTlsFailure(err), head.host, err.message);
      }
    });
    tlsSock.once("close", () => {
      clearTimeout(timer);
      sock.destroy();
    });
    // ServerResponse-style empty writes would wedge this socket (see guard_empty_writes.ts).
    guardEmptyWrites(tlsSock);
    tlsSock.setNoDelay(true);
    // A client may half-close after its request: its response must still reach it (Node
    // semantics would end our side on the peer's end; Deno 2.9 does not, this keeps it so).
    (tlsSock as unknown as { allowHalfOpen: boolean }).allowHalfOpen = true;
    tlsSock.once("secure", () => {
      if (answerSelfTest(tlsSock, { ...head, connection }, opts.onCall, now, guard)) return;
      const s = serveConnection(tlsSock, {
        host: head.host,
        port: head.port,
        proxyAuthorization: head.proxyAuthorization,
        connection,
      }, serveDeps);
      served.add(s);
      track(s.done.finally(() => served.delete(s)));
    });
  };

  /**
   * Answers the CONNECT, then reads the client's ClientHello itself before any TLS socket
   * exists: its server name picks the certificate (the CONNECT host's when it names none).
   * Deno 2.9 keeps a server TLSSocket whose `SNICallback` never ran (bytes that are not TLS,
   * a ClientHello cut short) reachable forever, ~33 KB each; and bytes that are not TLS now
   * never reach TLS at all.
   */
  const intercept = (sock: net.Socket, head: Extract<ProxyHead, { kind: "connect" }>) => {
    // Who is at the other end: the edge's header names the client's connection; without it
    // the client came straight here.
    const connection: ClientConnection = {
      client: head.client ??
        (sock.remotePort && sock.localPort
          ? { port: sock.remotePort, serverPort: sock.localPort }
          : null),
    };
    if (opts.onConnection) {
      const { host, port, proxyAuthorization } = head;
      guard(
        "onConnection",
        () => opts.onConnection?.(connection, { host, port, proxyAuthorization }),
      );
    }
    // The CONNECT host's certificate first: the usual server name, and a 502 if it fails.
    contexts.get(head.host).then((hostCtx) => {
      stats.tlsContextsCached = contexts.size();
      if (sock.destroyed) return;
      sock.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      let hello = head.rest;
      const timer = setTimeout(() => {
        stopReading();
        tlsFailure("handshake-timeout", head.host, `no handshake in ${handshakeTimeoutMs} ms`);
        sock.destroy();
      }, handshakeTimeoutMs);
      const onGone = () => {
        clearTimeout(timer);
        stopReading();
        tlsFailure("reset", head.host, "the client left before its ClientHello was complete");
        sock.destroy();
      };
      const onData = (chunk: Uint8Array) => {
        hello = concat(hello, chunk);
        check();
      };
      const stopReading = () => {
        sock.off("data", onData);
        sock.off("end", onGone);
        sock.off("close", onGone);
        sock.pause();
      };
      const check = () => {
        const parsed = parseClientHello(hello);
        if (parsed.kind === "incomplete") return;
        stopReading();
        if (parsed.kind !== "hello") {
          clearTimeout(timer);
          tlsFailure("not-tls", head.host, parsed.message);
          sock.destroy();
          return;
        }
        const name = parsed.serverName ?? head.host;
        const ctx = name === head.host.toLowerCase()
          ? Promise.resolve(hostCtx)
          : contexts.get(name);
        ctx.then((c) => {
          stats.tlsContextsCached = contexts.size();
          if (sock.destroyed) return clearTimeout(timer);
          sock.unshift(hello);
          startTls(sock, head, c, timer, connection);
        }, (err: Error) => {
          clearTimeout(timer);
          tlsFailure("certificate-unavailable", name, err.message);
          sock.destroy();
        });
      };
      sock.on("data", onData);
      // A client that ends or leaves before its ClientHello is complete will never finish it.
      sock.once("end", onGone);
      sock.once("close", onGone);
      sock.resume();
      check();
    }, (err: Error) => {
      tlsFailure("certificate-unavailable", head.host, err.message);
      const msg = `Halton Meter has no certificate for ${head.host}: ${err.message}\n`;
      sock.end(plainResponse(502, "Bad Gateway", "text/plain", msg));
    });
  };

  const tunnel = (sock: net.Socket, head: Extract<ProxyHead, { kind: "connect" }>) => {
    const target = opts.resolve(`${head.host}:${head.port}`);
    stats.activeTunnels++;
    stats.totalTunnels++;
    const t = openRawTunnel(sock, target, head.rest, (err) => {
      log("info", `raw tunnel to ${head.host}:${head.port} failed`, { error: err.message });
    });
    tunnels.add(t);
    track(t.done.finally(() => {
      stats.activeTunnels--;
      tunnels.delete(t);
    }));
  };

  const answerOrigin = (sock: net.Socket, method: string, path: string) => {
    if (method === "GET" && (path === "/health" || path.startsWith("/health?"))) {
      let body: string;
      let status = 200;
      try {
        body = JSON.stringify(opts.health());
      } catch (err) {
        status = 500;
        body = JSON.stringify({ status: "error", error: String(err) });
      }
      sock.end(
        plainResponse(
          status,
          status === 200 ? "OK" : "Internal Server Error",
          "application/json",
          body,
        ),
      );
      return;
    }
    stats.badProxyRequests++;
    const msg = `Halton Meter's proxy port accepts only CONNECT and GET /health, not ${method}\n`;
    sock.end(plainResponse(400, "Bad Request", "text/plain", msg));
  };

  const onSocket = (sock: net.Socket) => {
    sockets.add(sock);
    stats.activeConnections++;
    sock.once("close", () => {
      sockets.delete(sock);
      stats.activeConnections--;
    });
    sock.on("error", () => {}); // reported through the layer that owns the socket
    sock.setNoDelay(true);
    let buf = new Uint8Array(0);
    const timer = setTimeout(() => sock.destroy(), HEAD_TIMEOUT_MS);
    const onData = (chunk: Uint8Array) => {
      const next = new Uint8Array(buf.length + chunk.length);
      next.set(buf);
      next.set(chunk, buf.length);
      buf = next;
      const head = parseProxyHead(buf);
      if (head.kind === "incomplete") return;
      clearTimeout(timer);
      sock.off("data", onData);
      sock.pause();
      if (head.kind === "error") {
        stats.badProxyRequests++;
        const reason = head.status === 431 ? "Request Header Fields Too Large" : "Bad Request";
        sock.end(plainResponse(head.status, reason, "text/plain", head.message + "\n"));
        return;
      }
      if (head.kind === "origin") return answerOrigin(sock, head.method, head.path);
      if (closing) {
        sock.end(plainResponse(503, "Service Unavailable", "text/plain", "shutting down\n"));
        return;
      }
      stats.totalConnects++;
      let intercepted = false;
      try {
        intercepted = opts.shouldIntercept(head.host);
      } catch (err) {
        log("warn", `shouldIntercept threw for ${head.host}; tunnelling raw`, {
          error: String(err),
        });
      }
      if (intercepted) intercept(sock, head);
      else tunnel(sock, head);
    };
    sock.on("data", onData);
    sock.once("close", () => clearTimeout(timer));
  };

  const listener = net.createServer({ allowHalfOpen: true }, onSocket);

  return {
    listen(port, hostname = "127.0.0.1") {
      return new Promise((resolve, reject) => {
        listener.once("error", reject);
        listener.listen(port, hostname, () => {
          listener.off("error", reject);
          resolve({ port: (listener.address() as net.AddressInfo).port });
        });
      });
    },
    async close(deadlineMs) {
      closing = true;
      clearInterval(sweeper);
      const deadline = performance.now() + Math.max(0, deadlineMs);
      const until = async (p: Promise<unknown>, at: number) => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([
          p,
          new Promise<void>((r) => timer = setTimeout(r, Math.max(0, at - performance.now()))),
        ]);
        clearTimeout(timer);
      };
      const closed = new Promise<void>((r) => listener.close(() => r()));
      // Idle keep-alive connections go now; busy ones close after their response.
      for (const s of served) s.closeWhenIdle();
      await until(Promise.allSettled([...inFlight]), deadline);
      for (const t of tunnels) t.destroy();
      // end() (not destroy) so the last response bytes still reach clients that finished in time.
      const remaining = [...sockets].map((s) =>
        new Promise<void>((r) => s.destroyed ? r() : s.once("close", () => r()))
      );
      await until(Promise.all(remaining), Math.min(deadline, performance.now() + 1000));
      for (const s of sockets) s.destroy();
      pool.close();
      await Promise.allSettled([...inFlight]);
      await closed;
    },
    stats: () => structuredClone(stats),
    activeExchanges: () => stats.activeExchanges,
  };
}
