/**
 * A minimal HTTP/1.1-over-TLS keep-alive client for `bench metered`: one TCP
 * connection, an optional `CONNECT` through a proxy, one TLS handshake, then any
 * number of requests on it. Hand-rolled rather than node:https or fetch so every
 * path pays the same, small, client cost and nothing pools or retries behind our back.
 */

const enc = new TextEncoder();
const dec = new TextDecoder();

/** How the client reaches the upstream. `sni` is also the Host header. */
export type MeteredRoute =
  | { kind: "direct"; port: number; sni: string; caPem: string }
  | { kind: "proxy"; proxyPort: number; connectTo: string; sni: string; caPem: string };

export interface SseTiming {
  /** Wall-clock ms when the request was written. */
  sentAt: number;
  /** Per event: wall-clock ms when it arrived, and the upstream's `bench_t` send time. */
  events: { arrivedAt: number; sentAt: number }[];
}

function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

function requestBytes(sni: string, stream: boolean): Uint8Array {
  const body = JSON.stringify({
    model: "claude-sonnet-4-5",
    max_tokens: 16,
    ...(stream ? { stream: true } : {}),
    messages: [{ role: "user", content: "hi" }],
  });
  return enc.encode(
    `POST /v1/messages HTTP/1.1\r\nHost: ${sni}\r\ncontent-type: application/json\r\n` +
      `x-api-key: sk-ant-bench-not-a-real-key\r\nanthropic-version: 2023-06-01\r\n` +
      `content-length: ${enc.encode(body).length}\r\n\r\n${body}`,
  );
}

export class MeteredClient {
  #buf = new Uint8Array(1 << 16);
  #start = 0;
  #end = 0;
  readonly #plain: Uint8Array;
  readonly #stream: Uint8Array;

  private constructor(private readonly conn: Deno.Conn, sni: string) {
    this.#plain = requestBytes(sni, false);
    this.#stream = requestBytes(sni, true);
  }

  /** Connects (through the proxy if any) and completes the TLS handshake. */
  static async open(route: MeteredRoute): Promise<MeteredClient> {
    const port = route.kind === "direct" ? route.port : route.proxyPort;
    const tcp = await Deno.connect({ hostname: "127.0.0.1", port });
    try {
      tcp.setNoDelay(true);
      if (route.kind === "proxy") {
        await writeAll(
          tcp,
          `CONNECT ${route.connectTo} HTTP/1.1\r\nHost: ${route.connectTo}\r\n\r\n`,
        );
        const head = await readHeadRaw(tcp);
        if (!/^HTTP\/1\.[01] 200/.test(head)) {
          throw new Error(
            `CONNECT ${route.connectTo} via :${port} answered: ${head.slice(0, 200)}`,
          );
        }
      }
      const tls = await Deno.startTls(tcp, { hostname: route.sni, caCerts: [route.caPem] });
      await tls.handshake();
      return new MeteredClient(tls, route.sni);
    } catch (err) {
      try {
        tcp.close();
      } catch { /* closed */ }
      throw err;
    }
  }

  close(): void {
    try {
      this.conn.close();
    } catch { /* closed */ }
  }

  /** One non-streaming request; resolves once the whole response body is read. */
  async request(): Promise<void> {
    await writeAll(this.conn, this.#plain);
    const head = await this.#head();
    await this.#body(head, null);
  }

  /** One streaming request; records when each SSE event arrived. */
  async stream(): Promise<SseTiming> {
    const timing: SseTiming = { sentAt: wallNow(), events: [] };
    await writeAll(this.conn, this.#stream);
    const head = await this.#head();
    let text = "";
    await this.#body(head, (chunk) => {
      const at = wallNow();
      text += dec.decode(chunk, { stream: true });
      let cut: number;
      while ((cut = text.indexOf("\n\n")) >= 0) {
        const m = /"bench_t":([0-9.]+)/.exec(text.slice(0, cut));
        if (m) timing.events.push({ arrivedAt: at, sentAt: Number(m[1]) });
        text = text.slice(cut + 2);
      }
    });
    return timing;
  }

  async #fill(): Promise<void> {
    if (this.#start > 0) {
      this.#buf.copyWithin(0, this.#start, this.#end);
      this.#end -= this.#start;
      this.#start = 0;
    }
    if (this.#end === this.#buf.length) {
      const bigger = new Uint8Array(this.#buf.length * 2);
      bigger.set(this.#buf);
      this.#buf = bigger;
    }
    const n = await this.conn.read(this.#buf.subarray(this.#end));
    if (n === null) throw new Error("connection closed mid-response");
    this.#end += n;
  }

  /** Reads up to CRLF (exclusive), consuming it. */
  async #line(): Promise<string> {
    let scanned = 0; // relative to #start, which #fill() may move
    for (;;) {
      for (let i = this.#start + scanned; i + 1 < this.#end; i++) {
        if (this.#buf[i] === 13 && this.#buf[i + 1] === 10) {
          const s = dec.decode(this.#buf.subarray(this.#start, i));
          this.#start = i + 2;
          return s;
        }
      }
      scanned = Math.max(0, this.#end - this.#start - 1);
      await this.#fill();
    }
  }

  async #head(): Promise<{ status: number; length: number | null; chunked: boolean }> {
    const statusLine = await this.#line();
    const status = Number(statusLine.split(" ")[1]);
    let length: number | null = null;
    let chunked = false;
    for (;;) {
      const line = await this.#line();
      if (line === "") break;
      const colon = line.indexOf(":");
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === "content-length") length = Number(value);
      if (name === "transfer-encoding" && /chunked/i.test(value)) chunked = true;
    }
    if (status !== 200) throw new Error(`upstream answered ${statusLine}`);
    if (!chunked && length === null) {
      throw new Error(`response has neither content-length nor chunked: ${statusLine}`);
    }
    return { status, length, chunked };
  }

  /** Consumes `n` body bytes, handing each piece to `onData` as it arrives. */
  async #take(n: number, onData: ((b: Uint8Array) => void) | null): Promise<void> {
    while (n > 0) {
      if (this.#end === this.#start) await this.#fill();
      const k = Math.min(n, this.#end - this.#start);
      onData?.(this.#buf.subarray(this.#start, this.#start + k));
      this.#start += k;
      n -= k;
    }
  }

  async #body(
    head: { length: number | null; chunked: boolean },
    onData: ((b: Uint8Array) => void) | null,
  ): Promise<void> {
    if (!head.chunked) return this.#take(head.length ?? 0, onData);
    for (;;) {
      const size = parseInt((await this.#line()).split(";")[0], 16);
      if (!Number.isFinite(size)) throw new Error("bad chunk size");
      if (size === 0) {
        while ((await this.#line()) !== "") { /* trailers */ }
        return;
      }
      await this.#take(size, onData);
      if ((await this.#line()) !== "") throw new Error("chunk not followed by CRLF");
    }
  }
}

async function writeAll(conn: Deno.Conn, data: Uint8Array | string): Promise<void> {
  const bytes = typeof data === "string" ? enc.encode(data) : data;
  let off = 0;
  while (off < bytes.length) off += await conn.write(bytes.subarray(off));
}

/** Reads a proxy's CONNECT answer byte by byte, so no TLS byte is consumed. */
async function readHeadRaw(conn: Deno.Conn): Promise<string> {
  const one = new Uint8Array(1);
  let head = "";
  while (!head.endsWith("\r\n\r\n")) {
    const n = await conn.read(one);
    if (n === null) throw new Error(`proxy closed during CONNECT; got: ${head}`);
    head += String.fromCharCode(one[0]);
    if (head.length > 8192) throw new Error("CONNECT answer too long");
  }
  return head;
}
