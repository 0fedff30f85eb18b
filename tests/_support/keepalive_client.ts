/**
 * A keep-alive HTTPS client through a proxy that behaves like the SDKs' connection pools: one
 * connection reused request after request; a connection the server has closed (its FIN seen
 * while idle) or answered with `connection: close` is replaced before the next request. A
 * request counts as failed when it was written on a connection and no complete response came
 * back. Used by the fault tests to count exactly that.
 */
import { writeAll } from "./net.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

export interface KeepAliveOptions {
  proxyPort: number;
  /** `host:port` to CONNECT to; also the TLS name and Host header. */
  target: string;
  caCerts: string[];
  /** The project, sent as proxy credentials. */
  project: string;
}

interface ConnState {
  conn: Deno.TlsConn;
  buf: Uint8Array;
  eof: boolean;
  wake: (() => void) | null;
}

export class KeepAliveClient {
  #s: ConnState | null = null;
  connections = 0;

  constructor(readonly opts: KeepAliveOptions) {}

  async #connect(): Promise<void> {
    const tcp = await Deno.connect({ hostname: "127.0.0.1", port: this.opts.proxyPort });
    const auth = btoa(`${this.opts.project}:x`);
    await writeAll(
      tcp,
      `CONNECT ${this.opts.target} HTTP/1.1\r\nHost: ${this.opts.target}\r\n` +
        `Proxy-Authorization: Basic ${auth}\r\n\r\n`,
    );
    const one = new Uint8Array(1);
    let head = "";
    while (!head.endsWith("\r\n\r\n")) {
      if ((await tcp.read(one)) === null) throw new Error(`proxy closed the CONNECT: ${head}`);
      head += String.fromCharCode(one[0]);
    }
    if (!/^HTTP\/1\.[01] 200/.test(head)) throw new Error(`CONNECT refused: ${head}`);
    const host = this.opts.target.split(":")[0];
    const tls = await Deno.startTls(tcp, { hostname: host, caCerts: this.opts.caCerts });
    await tls.handshake();
    const s: ConnState = { conn: tls, buf: new Uint8Array(0), eof: false, wake: null };
    this.#s = s;
    this.connections++;
    const notify = () => {
      const w = s.wake;
      s.wake = null;
      w?.();
    };
    // Read continuously, as a pool's socket does: a FIN while idle is noticed at once.
    (async () => {
      const chunk = new Uint8Array(65536);
      try {
        for (;;) {
          const n = await tls.read(chunk);
          if (n === null) break;
          const next = new Uint8Array(s.buf.length + n);
          next.set(s.buf);
          next.set(chunk.subarray(0, n), s.buf.length);
          s.buf = next;
          notify();
        }
      } catch { /* reset: same as EOF */ }
      s.eof = true;
      notify();
    })();
  }

  async #more(): Promise<void> {
    const s = this.#s!;
    if (s.eof) throw new Error("connection closed before the response was complete");
    await new Promise<void>((r) => s.wake = r);
  }

  #drop() {
    try {
      this.#s?.conn.close();
    } catch { /* closed */ }
    this.#s = null;
  }

  /** Reads one line (CRLF excluded). */
  async #line(): Promise<string> {
    const s = this.#s!;
    for (;;) {
      for (let i = 0; i + 1 < s.buf.length; i++) {
        if (s.buf[i] === 13 && s.buf[i + 1] === 10) {
          const line = dec.decode(s.buf.subarray(0, i));
          s.buf = s.buf.subarray(i + 2);
          return line;
        }
      }
      await this.#more();
    }
  }

  async #take(n: number): Promise<Uint8Array> {
    const s = this.#s!;
    while (s.buf.length < n) await this.#more();
    const out = s.buf.slice(0, n);
    s.buf = s.buf.subarray(n);
    return out;
  }

  /**
   * One POST; resolves with the status and body once the response is complete. Throws when
   * the request was sent and the response did not come whole (a failed request).
   */
  async post(path: string, body: string, headers: Record<string, string> = {}) {
    if (!this.reuses()) {
      this.#drop();
      await this.#connect();
    }
    const conn = this.#s!.conn;
    const host = this.opts.target.split(":")[0];
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("");
    const bytes = enc.encode(body);
    try {
      await writeAll(
        conn,
        `POST ${path} HTTP/1.1\r\nHost: ${host}\r\ncontent-type: application/json\r\n${extra}` +
          `content-length: ${bytes.length}\r\n\r\n`,
      );
      await writeAll(conn, bytes);
      const status = Number((await this.#line()).split(" ")[1]);
      let length: number | null = null;
      let chunked = false;
      let close = false;
      for (;;) {
        const line = await this.#line();
        if (line === "") break;
        const [name, ...rest] = line.split(":");
        const value = rest.join(":").trim().toLowerCase();
        const key = name.trim().toLowerCase();
        if (key === "content-length") length = Number(value);
        if (key === "transfer-encoding" && value.includes("chunked")) chunked = true;
        if (key === "connection" && value.includes("close")) close = true;
      }
      let text = "";
      if (chunked) {
        for (;;) {
          const size = parseInt(await this.#line(), 16);
          if (size === 0) {
            await this.#line();
            break;
          }
          text += dec.decode(await this.#take(size));
          await this.#line();
        }
      } else text = dec.decode(await this.#take(length ?? 0));
      if (close) this.#drop();
      return { status, text };
    } catch (err) {
      this.#drop();
      throw err;
    }
  }

  /** True when the next `post` goes on the open connection (false: it opens a new one). */
  reuses(): boolean {
    return this.#s !== null && !this.#s.eof && this.#s.buf.length === 0;
  }

  close() {
    this.#drop();
  }
}
