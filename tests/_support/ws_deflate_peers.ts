/**
 * Both ends of a permessage-deflate WebSocket for black-box tests, written by hand (Deno's
 * WebSocket neither offers nor accepts compression): a TLS server that accepts the extension
 * and replays a recorded session with its messages compressed (context takeover), and a client
 * that reaches it through the edge's CONNECT and compresses its own. Each keeps the exact bytes
 * it sent and received, so a test can check they crossed the meter unchanged.
 */
import { createWsReader, encodeWsFrame } from "../../adapters/mod.ts";
import { deflateMessages } from "../../adapters/websocket/_test_deflate.ts";
import { loadSession } from "./fake_provider_ws.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC11B65";

function cat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

async function accept(key: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", enc.encode(key + GUID));
  return btoa(String.fromCharCode(...new Uint8Array(digest)));
}

/** Reads until the head's blank line; returns the head and what came after it. */
async function readHead(conn: Deno.Conn): Promise<{ head: string; rest: Uint8Array }> {
  let buf: Uint8Array = new Uint8Array(0);
  const b = new Uint8Array(16384);
  for (;;) {
    const i = dec.decode(buf).indexOf("\r\n\r\n");
    if (i >= 0) return { head: dec.decode(buf).slice(0, i), rest: buf.subarray(i + 4) };
    const n = await conn.read(b);
    if (n === null) throw new Error("Cannot read a head: the peer closed");
    buf = cat(buf, b.subarray(0, n));
  }
}

export interface DeflateServer {
  port: number;
  /** Everything written after the 101 head, per session. */
  sent: Uint8Array[];
  /** Client texts received, per session. */
  received: string[][];
  close(): void;
}

/** Serves `session` (a recorded session name) on a TLS port with the given certificate. */
export async function startDeflateServer(
  port: number,
  tls: { certPem: string; keyPem: string },
  session: string,
): Promise<DeflateServer> {
  const lines = loadSession(session);
  const serverTexts = lines.flatMap((l) =>
    "event" in l && l.from === "server" ? [JSON.stringify(l.event)] : []
  );
  const packed = await deflateMessages(serverTexts.map((t) => enc.encode(t)));
  const listener = Deno.listenTls({
    hostname: "127.0.0.1",
    port,
    cert: tls.certPem,
    key: tls.keyPem,
  });
  const out: DeflateServer = { port, sent: [], received: [], close: () => listener.close() };
  const serve = async (conn: Deno.Conn) => {
    const { head, rest } = await readHead(conn);
    const key = /sec-websocket-key:\s*(\S+)/i.exec(head)?.[1] ?? "";
    await conn.write(enc.encode(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Accept: ${await accept(key)}\r\n` +
        `Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n`,
    ));
    let sent: Uint8Array = new Uint8Array(0);
    const got: string[] = [];
    out.received.push(got);
    const reader = createWsReader({ deflate: true });
    let line = 0;
    let next = 0; // index into packed
    const answer = async () => {
      // Send the server lines that follow the client message just matched.
      for (; line < lines.length && lines[line].from === "server"; line++) {
        if (!("event" in lines[line])) continue;
        const frame = encodeWsFrame({ opcode: 1, payload: packed[next++], rsv1: true });
        sent = cat(sent, frame);
        out.sent[out.received.indexOf(got)] = sent;
        await conn.write(frame);
      }
    };
    await answer();
    const b = new Uint8Array(65536);
    let chunk: Uint8Array = rest;
    try {
      for (;;) {
        for (const e of reader.push(chunk)) {
          if (e.type === "close") return;
          if (e.type !== "message" || e.data === null) continue;
          got.push(dec.decode(e.data));
          line++; // the client line it answers
          await answer();
        }
        const n = await conn.read(b);
        if (n === null) return;
        chunk = b.slice(0, n);
      }
    } catch {
      /* reset */
    } finally {
      try {
        conn.close();
      } catch { /* closed */ }
    }
  };
  (async () => {
    for await (const c of listener) serve(c).catch(() => {});
  })().catch(() => {});
  return out;
}

/** A client through the edge: CONNECT (with a project), TLS, upgrade offering deflate. */
export async function deflateClient(opts: {
  edgePort: number;
  caPem: string;
  project: string;
  path: string;
  userAgent: string;
}) {
  const tcp = await Deno.connect({ hostname: "127.0.0.1", port: opts.edgePort });
  await tcp.write(enc.encode(
    `CONNECT api.openai.com:443 HTTP/1.1\r\nHost: api.openai.com:443\r\n` +
      `Proxy-Authorization: Basic ${btoa(`${encodeURIComponent(opts.project)}:x`)}\r\n\r\n`,
  ));
  const connected = await readHead(tcp);
  if (!/^HTTP\/1\.1 200/.test(connected.head)) throw new Error(`CONNECT: ${connected.head}`);
  const conn = await Deno.startTls(tcp, { hostname: "api.openai.com", caCerts: [opts.caPem] });
  await conn.write(enc.encode(
    `GET ${opts.path} HTTP/1.1\r\nHost: api.openai.com\r\nUpgrade: websocket\r\n` +
      `Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n` +
      `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n` +
      `Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n` +
      `User-Agent: ${opts.userAgent}\r\n\r\n`,
  ));
  const { head, rest } = await readHead(conn);
  let received: Uint8Array = rest;
  let closed = false;
  const b = new Uint8Array(65536);
  const pump = (async () => {
    try {
      for (let n = await conn.read(b); n !== null; n = await conn.read(b)) {
        received = cat(received, b.slice(0, n));
      }
    } catch { /* reset */ }
    closed = true;
  })();
  return {
    head,
    received: () => received,
    closed: () => closed,
    /** Sends the texts compressed (context takeover), each masked, in one frame each. */
    async send(texts: string[]) {
      const packed = await deflateMessages(texts.map((t) => enc.encode(t)));
      for (const p of packed) {
        await conn.write(
          encodeWsFrame({
            opcode: 1,
            payload: p,
            rsv1: true,
            mask: crypto.getRandomValues(new Uint8Array(4)),
          }),
        );
      }
    },
    async close() {
      try {
        conn.close();
      } catch { /* closed */ }
      await pump;
    },
  };
}
