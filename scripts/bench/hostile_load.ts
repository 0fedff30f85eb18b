/**
 * Hostile clients of the edge, one connection each, for `bench hostile`: what a fuzzer or a
 * broken tool sends a proxy. Every kind ends its connection itself (or is ended by the
 * proxy); none waits on a timeout, so the run measures what stays behind, not what is open.
 */

export type HostileKind =
  | "garbage"
  | "big-head"
  | "not-tls"
  | "cut-hello"
  | "random-sni"
  | "bad-http"
  | "cut-body"
  | "normal";

export const HOSTILE_KINDS: readonly HostileKind[] = [
  "garbage",
  "big-head",
  "not-tls",
  "cut-hello",
  "random-sni",
  "bad-http",
  "cut-body",
  "normal",
];

export interface HostileTarget {
  edgePort: number;
  /** Intercepted host (chained to the daemon), as in CONNECT. */
  host: string;
  /** Halton Meter's CA: the TLS kinds finish their handshakes. */
  caPem: string;
}

const enc = new TextEncoder();

async function writeAll(c: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let off = 0; off < bytes.length;) off += await c.write(bytes.subarray(off));
}

/** Reads until the peer closes, an HTTP head ended, or `ms` passed (then closes `c`). */
async function readAnswer(c: Deno.Conn, ms: number): Promise<string> {
  const buf = new Uint8Array(16384);
  let text = "";
  const timer = setTimeout(() => c.close(), ms);
  try {
    for (;;) {
      const n = await c.read(buf);
      if (n === null) break;
      text += new TextDecoder().decode(buf.subarray(0, n));
      if (text.includes("\r\n\r\n")) break;
    }
  } catch { /* closed by the timer or reset */ }
  clearTimeout(timer);
  return text;
}

function closeQuietly(c: Deno.Conn): void {
  try {
    c.close();
  } catch { /* already closed */ }
}

async function tunnel(t: HostileTarget): Promise<Deno.TcpConn> {
  const c = await Deno.connect({ hostname: "127.0.0.1", port: t.edgePort });
  await writeAll(c, enc.encode(`CONNECT ${t.host}:443 HTTP/1.1\r\nHost: ${t.host}:443\r\n\r\n`));
  const answer = await readAnswer(c, 5000);
  if (!answer.startsWith("HTTP/1.1 200")) {
    closeQuietly(c);
    throw new Error(`CONNECT ${t.host} was answered ${JSON.stringify(answer.slice(0, 40))}`);
  }
  return c;
}

async function overTls(
  t: HostileTarget,
  sni: string,
  send: (c: Deno.TlsConn) => Promise<void>,
): Promise<void> {
  const tls = await Deno.startTls(await tunnel(t), { hostname: sni, caCerts: [t.caPem] });
  try {
    await tls.handshake();
    await send(tls);
  } finally {
    closeQuietly(tls);
  }
}

/** Runs one hostile connection of `kind`; `i` varies what is random in it. */
export async function runHostile(kind: HostileKind, i: number, t: HostileTarget): Promise<void> {
  switch (kind) {
    case "garbage": {
      const c = await Deno.connect({ hostname: "127.0.0.1", port: t.edgePort });
      await writeAll(c, crypto.getRandomValues(new Uint8Array(200))).catch(() => {});
      await writeAll(c, enc.encode("\r\n\r\n")).catch(() => {});
      await readAnswer(c, 2000);
      return closeQuietly(c);
    }
    case "big-head": {
      const c = await Deno.connect({ hostname: "127.0.0.1", port: t.edgePort });
      const head = `CONNECT ${t.host}:443 HTTP/1.1\r\nX-Pad: ${"a".repeat(70_000)}\r\n\r\n`;
      await writeAll(c, enc.encode(head)).catch(() => {});
      await readAnswer(c, 2000);
      return closeQuietly(c);
    }
    case "not-tls": {
      const c = await tunnel(t);
      await writeAll(c, crypto.getRandomValues(new Uint8Array(300))).catch(() => {});
      await readAnswer(c, 2000);
      return closeQuietly(c);
    }
    case "cut-hello": {
      const c = await tunnel(t);
      const prefix = [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03];
      await writeAll(c, new Uint8Array(prefix)).catch(() => {});
      return closeQuietly(c);
    }
    case "random-sni":
      // Every name is new: a certificate is minted (and cached, bounded) for each.
      return await overTls(t, `h${i}-${crypto.randomUUID().slice(0, 8)}.${t.host}`, async (c) => {
        await writeAll(c, enc.encode("NOT HTTP\r\n\r\n"));
        await readAnswer(c, 2000);
      });
    case "bad-http":
      return await overTls(t, t.host, async (c) => {
        const head = `POST /v1/messages HTTP/1.1\r\nHost: ${t.host}\r\n` +
          "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n";
        await writeAll(c, enc.encode(head));
        await readAnswer(c, 2000);
      });
    case "cut-body":
      return await overTls(t, t.host, async (c) => {
        const head = `POST /v1/messages HTTP/1.1\r\nHost: ${t.host}\r\n` +
          "content-type: application/json\r\ncontent-length: 100000\r\n\r\n";
        await writeAll(
          c,
          enc.encode(`${head}{"model":"claude-sonnet-4-5","pad":"${"x".repeat(30_000)}`),
        );
      });
    case "normal":
      return await overTls(t, t.host, async (c) => {
        const body = '{"model":"claude-sonnet-4-5","max_tokens":5,"messages":[]}';
        const head = `POST /v1/messages HTTP/1.1\r\nHost: ${t.host}\r\n` +
          `content-type: application/json\r\nconnection: close\r\ncontent-length: ${body.length}\r\n\r\n`;
        await writeAll(c, enc.encode(head + body));
        await readAnswer(c, 5000);
      });
  }
}

/** Runs `count` hostile connections, kinds in turn, `concurrency` at a time; counts failures. */
export async function runHostileMix(
  t: HostileTarget,
  o: { count: number; concurrency: number; kinds: readonly HostileKind[]; signal: AbortSignal },
  progress: (done: number) => void,
): Promise<{ clientErrors: number }> {
  let next = 0;
  let clientErrors = 0;
  const worker = async () => {
    while (next < o.count && !o.signal.aborted) {
      const i = next++;
      try {
        await runHostile(o.kinds[i % o.kinds.length], i, t);
      } catch {
        clientErrors++; // a refused or reset connection is an outcome, not a bench failure
      }
      if (i > 0 && i % 2000 === 0) progress(i);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  return { clientErrors };
}
