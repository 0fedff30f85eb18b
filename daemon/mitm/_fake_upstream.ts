/** Test-only: a TLS upstream on 127.0.0.1 with the routes the mitm tests need. */
import zlib from "node:zlib";

export interface FakeUpstream {
  port: number;
  /** performance.now() at which each SSE event was handed to the socket. */
  sseSentAt: number[];
  /** Set when the client of /sse went away before the stream ended. */
  sseCancelled: boolean;
  lastRequest: { method: string; url: string; headers: Headers; body: Uint8Array } | null;
  /** Requests received so far (any path). */
  requests: number;
  close(): Promise<void>;
}

export const PLAIN_BODY = JSON.stringify({
  id: "msg_1",
  type: "message",
  usage: { input_tokens: 10, output_tokens: 20 },
});
export const TEXT = "halton meter compressible text ".repeat(400);
export const GZIP_BODY: Uint8Array<ArrayBuffer> = new Uint8Array(
  zlib.gzipSync(new TextEncoder().encode(TEXT)),
);
export const BR_BODY: Uint8Array<ArrayBuffer> = new Uint8Array(
  zlib.brotliCompressSync(new TextEncoder().encode(TEXT)),
);
export const SSE_EVENTS = 4;
export const SSE_GAP_MS = 200;

/** Deterministic pseudo-random bytes, so a large body's hash is known without storing it. */
export function bigBody(size: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  let x = 0x12345678;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export function startFakeUpstream(
  certPem: string,
  keyPem: string,
  big: Uint8Array<ArrayBuffer>,
): Promise<FakeUpstream> {
  const state: FakeUpstream = {
    port: 0,
    sseSentAt: [],
    sseCancelled: false,
    lastRequest: null,
    requests: 0,
    close: () => server.shutdown(),
  };
  const enc = new TextEncoder();
  const server = Deno.serve({
    port: 0,
    hostname: "127.0.0.1",
    cert: certPem,
    key: keyPem,
    onListen: () => {},
  }, async (req) => {
    const url = new URL(req.url);
    const body = new Uint8Array(await req.arrayBuffer());
    state.lastRequest = { method: req.method, url: req.url, headers: req.headers, body };
    state.requests++;
    switch (url.pathname) {
      case "/v1/messages":
        return new Response(PLAIN_BODY, {
          headers: {
            "content-type": "application/json",
            "request-id": "req_1",
            "X-Mixed-Case": "yes",
          },
        });
      case "/gzip":
        return new Response(GZIP_BODY, { headers: { "content-encoding": "gzip" } });
      case "/br":
        return new Response(BR_BODY, { headers: { "content-encoding": "br" } });
      case "/chunked":
        return new Response(
          new ReadableStream({
            start(c) {
              for (let i = 0; i < 5; i++) c.enqueue(enc.encode(`chunk-${i};`));
              c.close();
            },
          }),
        );
      case "/big":
        return new Response(big);
      case "/echo":
        return new Response(body);
      case "/sse": {
        let timer: ReturnType<typeof setTimeout> | undefined;
        state.sseSentAt = [];
        state.sseCancelled = false;
        const stream = new ReadableStream<Uint8Array>({
          start(c) {
            let i = 0;
            const send = () => {
              state.sseSentAt.push(performance.now());
              c.enqueue(enc.encode(`event: e\ndata: {"n":${i}}\n\n`));
              if (++i === SSE_EVENTS) c.close();
              else timer = setTimeout(send, SSE_GAP_MS);
            };
            send();
          },
          cancel() {
            state.sseCancelled = true;
            clearTimeout(timer);
          },
        });
        return new Response(stream, { headers: { "content-type": "text/event-stream" } });
      }
      case "/abrupt": {
        // Half the promised body, then an error: Deno.serve drops the connection.
        const stream = new ReadableStream<Uint8Array>({
          start(c) {
            c.enqueue(enc.encode("x".repeat(1000)));
            setTimeout(() => c.error(new Error("upstream dies mid-body")), 50);
          },
        });
        return new Response(stream, { headers: { "content-length": "2000" } });
      }
      default:
        return new Response("not found", { status: 404 });
    }
  });
  state.port = server.addr.port;
  return Promise.resolve(state);
}
