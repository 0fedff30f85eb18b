/**
 * A fake LLM provider for black-box tests: a loopback TLS server (test CA) that replays the
 * recorded exchanges of adapters/testdata/ with their recorded status and headers.
 *
 * Request headers choose what it does (they pass through the proxy unchanged):
 * - `x-fake-exchange: anthropic/stream_cache_5m_1h` picks the exchange (else a default per path);
 * - `x-fake-delay-ms: 150` sends an SSE body one event at a time with that delay between events;
 * - `x-fake-gzip: 1` sends the body gzip-compressed (`content-encoding: gzip`);
 * - `x-fake-abort: 1` drops the connection after the recorded bytes (no end of body);
 * - `x-fake-model: name` replaces the recorded response model with `name`;
 * - `x-fake-id: any` names the request in `sent` (event send times) and `bodies` (bytes sent).
 *
 * A WebSocket upgrade (`GET /v1/responses`, `/v1/realtime`) replays a recorded session
 * (fake_provider_ws.ts); `x-fake-exchange` picks it there too, and `ws.sessions` holds what
 * each session's client sent.
 */
import { gzipSync } from "node:zlib";
import { serveWebSocket, WS_DEFAULTS, type WsLog } from "./fake_provider_ws.ts";

const TESTDATA = new URL("../../adapters/testdata/", import.meta.url).pathname;

const DEFAULTS: Record<string, (body: string) => string> = {
  "/v1/messages": (b) =>
    b.includes('"stream":true') ? "anthropic/stream_cache_5m_1h" : "anthropic/plain",
  "/v1/chat/completions": (b) =>
    /"stream"\s*:\s*true/.test(b) ? "openai_chat/stream_include_usage" : "openai_chat/plain",
  "/v1/responses": (b) =>
    /"stream"\s*:\s*true/.test(b) ? "openai_responses/stream_completed" : "openai_responses/plain",
};

/**
 * Gemini model methods (`/v1beta/models/{model}:{method}`; the model is in the path). A
 * request for JSON output (Gemini CLI's router and other utility calls) gets a JSON answer:
 * the CLI retries prose there, for a minute and a half.
 */
const GEMINI_DEFAULTS: Record<string, (body: string) => string> = {
  streamGenerateContent: () => "gemini/stream_sse_cached",
  generateContent: (b) =>
    /"responseMimeType"\s*:\s*"application\/json"/.test(b)
      ? "gemini/plain_json"
      : "gemini/plain_thinking",
};

/** The exchange a request gets when it names none: by path (and body), or none. */
function defaultExchange(path: string, body: string): string | undefined {
  const gemini = /^\/v1(?:alpha|beta)?\/models\/[^/:]+:([A-Za-z]+)$/.exec(path);
  if (gemini) return GEMINI_DEFAULTS[gemini[1]]?.(body);
  return DEFAULTS[path]?.(body);
}

export interface Exchange {
  status: number;
  responseHeaders: Record<string, string>;
  /** The recorded response body, byte for byte. */
  body: Uint8Array;
  expected: Record<string, unknown>;
}

/** Reads one recorded exchange, e.g. `loadExchange("anthropic/plain")`. */
export function loadExchange(name: string): Exchange {
  const meta = JSON.parse(Deno.readTextFileSync(`${TESTDATA}${name}.exchange.json`));
  const dir = name.slice(0, name.lastIndexOf("/") + 1);
  return {
    status: meta.status,
    responseHeaders: meta.responseHeaders,
    body: Deno.readFileSync(`${TESTDATA}${dir}${meta.responseFile}`),
    expected: JSON.parse(Deno.readTextFileSync(`${TESTDATA}${name}.expected.json`)),
  };
}

export interface FakeProvider {
  port: number;
  /** Per `x-fake-id`: `performance.now()` just before each SSE event was handed to the socket. */
  sent: Map<string, number[]>;
  /** Per `x-fake-id`: the exact bytes sent as the body (compressed when gzip). */
  bodies: Map<string, Uint8Array>;
  /** Per `x-fake-id`: the request headers as received. */
  requests: Map<string, Headers>;
  /** What the clients of WebSocket sessions sent, per session. */
  ws: WsLog;
  /** When true, WebSocket upgrades are refused (426), as by a server without WebSocket mode. */
  refuseWebSocket: boolean;
  /** `METHOD /path` of every request that reached the fake, whatever its headers, in order. */
  seen: string[];
  close(): Promise<void>;
}

function splitEvents(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i + 1 < bytes.length; i++) {
    if (bytes[i] === 10 && bytes[i + 1] === 10) {
      out.push(bytes.subarray(start, i + 2));
      start = i + 2;
      i++;
    }
  }
  if (start < bytes.length) out.push(bytes.subarray(start));
  return out;
}

export function startFakeProvider(tls: { certPem: string; keyPem: string }): FakeProvider {
  const sent = new Map<string, number[]>();
  const bodies = new Map<string, Uint8Array>();
  const requests = new Map<string, Headers>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const seen: string[] = [];
  const ws: WsLog = { sessions: [], closed: 0 };
  const handler = async (req: Request): Promise<Response> => {
    const path = new URL(req.url).pathname;
    seen.push(`${req.method} ${path}`);
    // Noted before the body is read, so a test can tell "head arrived" from "nothing arrived".
    const early = req.headers.get("x-fake-id");
    if (early) requests.set(`${early}:head`, req.headers);
    if (req.headers.get("upgrade")?.toLowerCase() === "websocket") {
      if (fake.refuseWebSocket) {
        const error = { message: "WebSocket mode is not available", type: "invalid_request_error" };
        return Response.json({ error }, { status: 426 });
      }
      const name = req.headers.get("x-fake-exchange") ?? WS_DEFAULTS[path];
      if (!name) return new Response(`fake provider: no session for ${path}\n`, { status: 404 });
      requests.set(early ?? crypto.randomUUID(), new Headers(req.headers));
      const meta = JSON.parse(
        Deno.readTextFileSync(`${TESTDATA}${name}.exchange.json`),
      ) as { responseHeaders: Record<string, string> };
      const delay = Number(req.headers.get("x-fake-delay-ms") ?? "0");
      return serveWebSocket(req, name, ws, meta.responseHeaders, delay);
    }
    const reqBody = await req.text();
    const name = req.headers.get("x-fake-exchange") ?? defaultExchange(path, reqBody);
    if (!name) return new Response(`fake provider: no exchange for ${path}\n`, { status: 404 });
    const ex = loadExchange(name);
    const id = req.headers.get("x-fake-id") ?? crypto.randomUUID();
    requests.set(id, req.headers);
    let body = ex.body;
    const model = req.headers.get("x-fake-model");
    if (model) {
      const recorded = String(ex.expected.responseModel);
      body = new TextEncoder().encode(new TextDecoder().decode(body).replaceAll(recorded, model));
    }
    const headers = new Headers(ex.responseHeaders);
    // Deno.serve would otherwise compress on its own when the client accepts gzip.
    if (!headers.has("cache-control")) headers.set("cache-control", "no-transform");
    else headers.set("cache-control", `${headers.get("cache-control")}, no-transform`);
    if (req.headers.get("x-fake-gzip") === "1") {
      body = new Uint8Array(gzipSync(body));
      headers.set("content-encoding", "gzip");
    }
    bodies.set(id, body);
    const delay = Number(req.headers.get("x-fake-delay-ms") ?? "0");
    const abort = req.headers.get("x-fake-abort") === "1";
    const chunks = delay > 0 ? splitEvents(body) : [body];
    const times: number[] = [];
    sent.set(id, times);
    let i = 0;
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (i > 0 && delay > 0) {
          await new Promise<void>((r) => {
            const t = setTimeout(() => {
              timers.delete(t);
              r();
            }, delay);
            timers.add(t);
          });
        }
        if (i < chunks.length) {
          times.push(performance.now());
          controller.enqueue(chunks[i++]);
          return;
        }
        if (abort) controller.error(new Error("fake provider: abrupt close"));
        else controller.close();
      },
    });
    return new Response(stream, { status: ex.status, headers });
  };
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: tls.certPem,
    key: tls.keyPem,
    onListen() {},
    onError: () => new Response("fake provider error\n", { status: 500 }),
  }, handler);
  const fake: FakeProvider = {
    port: server.addr.port,
    sent,
    bodies,
    requests,
    ws,
    refuseWebSocket: false,
    seen,
    async close() {
      for (const t of timers) clearTimeout(t);
      await server.shutdown();
    },
  };
  return fake;
}
