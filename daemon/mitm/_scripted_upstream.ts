/** Test-only: a scripted TLS upstream answering per path with exact bytes, and a raw client. */
import assert from "node:assert/strict";
import { parseRequestHead } from "../../edge/mod.ts";
import { createBodyFramer, requestFraming } from "./create_body_framer.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

interface Seen {
  conn: number;
  head: string;
  body: string;
}

/** A TLS upstream answering per path with exact bytes; records what it received. */
export function scriptedUpstream(certPem: string, keyPem: string) {
  const listener = Deno.listenTls({ hostname: "127.0.0.1", port: 0, cert: certPem, key: keyPem });
  const seen: Seen[] = [];
  const conns = new Set<Deno.Conn>();
  let connCount = 0;
  const respond = async (c: Deno.Conn, id: number, path: string): Promise<"keep" | "close"> => {
    const w = (s: string) => c.write(enc.encode(s));
    switch (path) {
      case "/chunked":
        await w("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\nabcd\r\n");
        await new Promise((r) => setTimeout(r, 30));
        await w("2\r\nef\r\n0\r\nX-T: 1\r\n\r\n");
        return "keep";
      case "/te-and-cl":
        await w("HTTP/1.1 200 OK\r\nContent-Length: 999\r\nTransfer-Encoding: chunked\r\n\r\n");
        await w("2\r\nok\r\n0\r\n\r\n");
        return "keep";
      case "/upgrade": {
        await w("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n");
        const b = new Uint8Array(1024);
        for (let n = await c.read(b); n !== null; n = await c.read(b)) {
          await c.write(enc.encode(`echo:${dec.decode(b.subarray(0, n))}`));
        }
        return "close";
      }
      case "/close-delimited":
        await w("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil-");
        await w("the-end");
        return "close";
      case "/early-hints":
        await w("HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n");
        await w("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        return "keep";
      case "/head":
        await w("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n");
        return "keep";
      case "/204":
        await w("HTTP/1.1 204 No Content\r\nX-A: b\r\n\r\n");
        return "keep";
      case "/304":
        await w('HTTP/1.1 304 Not Modified\r\nETag: "e"\r\n\r\n');
        return "keep";
      case "/then-close":
        // Answers, then closes this keep-alive connection while it sits idle in the pool.
        await w("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst");
        setTimeout(() => c.close(), 20);
        return "keep";
      case "/swallow":
        return "close"; // reads the request, closes without a response
      default:
        await w(`HTTP/1.1 200 OK\r\nContent-Length: ${String(id).length}\r\n\r\n${id}`);
        return "keep";
    }
  };
  const serve = async (c: Deno.Conn) => {
    const id = ++connCount;
    conns.add(c);
    const buf = new Uint8Array(65536);
    let pending: Uint8Array = new Uint8Array(0);
    try {
      for (;;) {
        let parsed = parseRequestHead(pending);
        while (parsed.kind === "incomplete") {
          const n = await c.read(buf);
          if (n === null) return;
          pending = new Uint8Array([...pending, ...buf.subarray(0, n)]);
          parsed = parseRequestHead(pending);
        }
        if (parsed.kind !== "request") return;
        const h = parsed.head;
        if (h.target === "/early") {
          // Refuses the upload without reading it (a server's 413 before the body), once the
          // proxy's writes are stuck on full socket buffers.
          await new Promise((r) => setTimeout(r, 500));
          await c.write(enc.encode("HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n\r\n"));
          await new Promise((r) => setTimeout(r, 5000));
          return;
        }
        const framing = requestFraming(h.headers);
        if (framing.kind === "error") return;
        const framer = createBodyFramer(framing);
        let rest = pending.subarray(h.headLength);
        let body = "";
        for (;;) {
          const r = framer.push(rest);
          if ("kind" in r) return;
          body += dec.decode(rest.subarray(0, r.used));
          rest = rest.subarray(r.used);
          if (r.done) break;
          const n = await c.read(buf);
          if (n === null) return;
          rest = buf.slice(0, n);
        }
        pending = rest;
        seen.push({ conn: id, head: headText(h), body });
        if (await respond(c, id, h.target) === "close") return;
      }
    } catch {
      /* connection reset by the test */
    } finally {
      conns.delete(c);
      try {
        c.close();
      } catch { /* closed */ }
    }
  };
  const headText = (h: { method: string; target: string; headers: [string, string][] }) =>
    `${h.method} ${h.target}\n${h.headers.map(([k, v]) => `${k}: ${v}`).join("\n")}`;
  (async () => {
    for await (const c of listener) serve(c);
  })().catch(() => {});
  return {
    port: listener.addr.port,
    seen,
    connections: () => connCount,
    close() {
      listener.close();
      for (const c of conns) c.close();
    },
  };
}

export class Client {
  buf = new Uint8Array(65536);
  text = "";
  constructor(readonly conn: Deno.TlsConn) {}
  static async open(port: number, caPem: string): Promise<Client> {
    const c = await Deno.connect({ hostname: "127.0.0.1", port });
    await c.write(enc.encode("CONNECT api.anthropic.com:443 HTTP/1.1\r\n\r\n"));
    const b = new Uint8Array(1024);
    const n = await c.read(b);
    assert.match(dec.decode(b.subarray(0, n ?? 0)), /^HTTP\/1\.1 200 /);
    return new Client(await Deno.startTls(c, { hostname: "api.anthropic.com", caCerts: [caPem] }));
  }
  send(s: string) {
    return this.conn.write(enc.encode(s));
  }
  /** Reads until `done(text)` or EOF; returns everything read so far (and consumes it). */
  async until(done: (t: string) => boolean, ms = 3000): Promise<{ text: string; eof: boolean }> {
    const deadline = setTimeout(() => this.conn.close(), ms);
    let eof = false;
    try {
      while (!done(this.text)) {
        const n = await this.conn.read(this.buf).catch(() => null);
        if (n === null) {
          eof = true;
          break;
        }
        this.text += dec.decode(this.buf.subarray(0, n));
      }
    } finally {
      clearTimeout(deadline);
    }
    const text = this.text;
    this.text = "";
    return { text, eof };
  }
  close() {
    try {
      this.conn.close();
    } catch { /* closed */ }
  }
}
