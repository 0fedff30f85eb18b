/**
 * The fake provider's WebSocket side: answers an upgrade (`GET /v1/responses` or
 * `/v1/realtime` with `Upgrade: websocket`) and replays a recorded session of
 * adapters/testdata/ (`<name>.session.jsonl`, one `{"from","event"}` message a line).
 *
 * Replay: the server messages before the recording's first client message are sent at once
 * (Realtime's `session.created`); each client message of type T skips the recording to its next
 * client message of type T and sends the server messages after it, up to the next client
 * message (a `response.create` with `generate: false`, a warm-up, only matches another). A
 * `response.create` past the end starts the recording's responses again, so a client may take
 * as many turns as it likes. A `{"from":"server","close":{code,reason}}` line closes
 * the socket there.
 */

const TESTDATA = new URL("../../adapters/testdata/", import.meta.url).pathname;

export type SessionLine =
  | { from: "client" | "server"; event: Record<string, unknown> }
  | { from: "server"; close: { code: number; reason: string } };

/** Reads `<name>.session.jsonl`, e.g. `loadSession("openai_responses/ws_two_turns")`. */
export function loadSession(name: string): SessionLine[] {
  const meta = JSON.parse(Deno.readTextFileSync(`${TESTDATA}${name}.exchange.json`));
  const dir = name.slice(0, name.lastIndexOf("/") + 1);
  const text = Deno.readTextFileSync(`${TESTDATA}${dir}${meta.responseFile}`);
  return text.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l));
}

/** The session a WebSocket upgrade gets when it names none, by path. */
export const WS_DEFAULTS: Record<string, string> = {
  "/v1/responses": "openai_responses/ws_two_turns",
  "/v1/realtime": "openai_realtime/ws_text_audio",
};

/** A client message's kind: its type, and for a `response.create` whether it is a warm-up. */
const kindOf = (event: Record<string, unknown>): string =>
  `${event.type}${event.type === "response.create" && event.generate === false ? ":warmup" : ""}`;
const lineKind = (line: SessionLine): string | undefined =>
  "event" in line ? kindOf(line.event) : undefined;

/** Every text message each session received from its client, in order (for assertions). */
export interface WsLog {
  /** Client messages as received, per upgrade, in order. */
  sessions: string[][];
  /** How many sessions have closed (either side), so a test can see none is left open. */
  closed: number;
}

/**
 * Accepts the upgrade and replays `name`. `delayMs` (the upgrade's `x-fake-delay-ms`) paces
 * the server's messages. Returns the 101 response for Deno.serve.
 */
export function serveWebSocket(
  req: Request,
  name: string,
  log: WsLog,
  responseHeaders: Record<string, string>,
  delayMs = 0,
): Response {
  const lines = loadSession(name);
  const { socket, response } = Deno.upgradeWebSocket(req, { idleTimeout: 0 });
  for (const [k, v] of Object.entries(responseHeaders)) {
    try {
      response.headers.set(k, v);
    } catch { /* immutable headers: the recorded ones are a nicety */ }
  }
  const received: string[] = [];
  log.sessions.push(received);
  let cursor = 0;
  let open = true;
  // Server messages go out one after another, in order, paced by delayMs.
  let sending = Promise.resolve();
  const sendFrom = (start: number) => {
    let i = start;
    const batch: SessionLine[] = [];
    for (; i < lines.length && lines[i].from === "server"; i++) batch.push(lines[i]);
    sending = sending.then(async () => {
      for (const line of batch) {
        if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
        if (!open) return;
        if ("close" in line) return socket.close(line.close.code, line.close.reason);
        socket.send(JSON.stringify(line.event));
      }
    }).catch(() => {});
    return i;
  };
  socket.onopen = () => cursor = sendFrom(0);
  socket.onmessage = (e) => {
    const text = typeof e.data === "string" ? e.data : "";
    received.push(text);
    let kind: string;
    try {
      kind = kindOf(JSON.parse(text));
    } catch {
      return;
    }
    let at = lines.findIndex((l, i) => i >= cursor && l.from === "client" && lineKind(l) === kind);
    if (at < 0 && kind.startsWith("response.create")) {
      at = lines.findIndex((l) => l.from === "client" && lineKind(l) === kind);
    }
    if (at < 0) return;
    cursor = sendFrom(at + 1);
  };
  socket.onclose = () => {
    open = false;
    log.closed++;
  };
  socket.onerror = () => {};
  return response;
}
