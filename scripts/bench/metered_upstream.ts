/**
 * Fake Anthropic upstream for `bench metered`, run as its own process so its CPU
 * never competes with the load generator's event loop:
 *
 *   deno run --allow-net --allow-read scripts/bench/metered_upstream.ts <cert.pem> <key.pem>
 *
 * Prints `UPSTREAM_READY <port>`; exits when stdin closes (so it dies with the bench).
 * POST /v1/messages answers a small JSON message, or with `"stream":true` in the
 * body an SSE stream of 20 events 20 ms apart. Every SSE event carries `bench_t`,
 * the wall-clock send time in ms (sub-ms precision), so the client can tell how
 * long a proxy held each event.
 */

const MESSAGE = JSON.stringify({
  id: "msg_bench",
  type: "message",
  role: "assistant",
  model: "claude-sonnet-4-5",
  content: [{ type: "text", text: "Hello from the bench upstream!" }],
  stop_reason: "end_turn",
  stop_sequence: null,
  usage: { input_tokens: 12, output_tokens: 8 },
});

export const SSE_EVENTS = 20;
export const SSE_GAP_MS = 20;

/** The 20 events of a short Anthropic stream: start, block start, 15 deltas, stops. */
function sseEvent(i: number): { event: string; data: Record<string, unknown> } {
  if (i === 0) {
    return {
      event: "message_start",
      data: {
        type: "message_start",
        message: {
          id: "msg_bench_stream",
          type: "message",
          role: "assistant",
          model: "claude-sonnet-4-5",
          content: [],
          stop_reason: null,
          usage: { input_tokens: 12, output_tokens: 1 },
        },
      },
    };
  }
  if (i === 1) {
    return {
      event: "content_block_start",
      data: { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
    };
  }
  if (i < SSE_EVENTS - 3) {
    return {
      event: "content_block_delta",
      data: { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "tok " } },
    };
  }
  if (i === SSE_EVENTS - 3) {
    return { event: "content_block_stop", data: { type: "content_block_stop", index: 0 } };
  }
  if (i === SSE_EVENTS - 2) {
    return {
      event: "message_delta",
      data: {
        type: "message_delta",
        delta: { stop_reason: "end_turn", stop_sequence: null },
        usage: { output_tokens: 15 },
      },
    };
  }
  return { event: "message_stop", data: { type: "message_stop" } };
}

function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

function sseResponse(): Response {
  const enc = new TextEncoder();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      let i = 0;
      const send = () => {
        const { event, data } = sseEvent(i);
        const line = JSON.stringify({ ...data, bench_t: wallNow() });
        controller.enqueue(enc.encode(`event: ${event}\ndata: ${line}\n\n`));
        i++;
        if (i < SSE_EVENTS) timer = setTimeout(send, SSE_GAP_MS);
        else controller.close();
      };
      send();
    },
    cancel() {
      clearTimeout(timer);
    },
  });
  return new Response(body, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
  });
}

async function handle(req: Request): Promise<Response> {
  const text = await req.text();
  if (req.method !== "POST" || new URL(req.url).pathname !== "/v1/messages") {
    return new Response("not found\n", { status: 404 });
  }
  if (text.includes('"stream":true')) return sseResponse();
  return new Response(MESSAGE, { headers: { "content-type": "application/json" } });
}

async function main(args: string[]): Promise<void> {
  const [certFile, keyFile] = args;
  if (!certFile || !keyFile) {
    console.error("usage: metered_upstream.ts <cert.pem> <key.pem>");
    Deno.exit(2);
  }
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: await Deno.readTextFile(certFile),
    key: await Deno.readTextFile(keyFile),
    onListen: ({ port }) => console.log(`UPSTREAM_READY ${port}`),
  }, handle);
  // Our parent closes stdin when it stops us (or dies): then we go too.
  for await (const _ of Deno.stdin.readable) { /* discard */ }
  // Not shutdown(): it would wait for the bench's idle keep-alive connections.
  void server;
  Deno.exit(0);
}

if (import.meta.main) main(Deno.args);
