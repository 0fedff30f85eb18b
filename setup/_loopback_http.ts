/**
 * Minimal HTTP/1.1 over an already-open connection (plain or TLS). The self-test speaks it
 * by hand on purpose: `fetch` would honour the proxy variables of whoever runs init, and
 * we need to control each hop (CONNECT, TLS, request) to say which one failed.
 */

export interface RawResponse {
  status: number;
  headers: string;
  body: string;
}

export async function writeAll(conn: Deno.Conn | Deno.TlsConn, text: string): Promise<void> {
  const bytes = new TextEncoder().encode(text);
  let off = 0;
  while (off < bytes.length) off += await conn.write(bytes.subarray(off));
}

/** Reads until the blank line ending a response head; returns the head (no body is expected). */
export async function readHead(conn: Deno.Conn, max = 16384): Promise<string> {
  const buf = new Uint8Array(1);
  let text = "";
  // Byte by byte: anything past the head belongs to the TLS session that follows.
  while (!text.endsWith("\r\n\r\n")) {
    const n = await conn.read(buf);
    if (n === null) break;
    text += String.fromCharCode(buf[0]);
    if (text.length > max) throw new Error(`response head exceeds ${max} bytes`);
  }
  return text;
}

/** Reads the whole response (the request said `Connection: close`). */
export async function readResponse(
  conn: Deno.Conn | Deno.TlsConn,
  max = 1 << 20,
): Promise<RawResponse> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const buf = new Uint8Array(16384);
  while (total < max) {
    let n: number | null;
    try {
      n = await conn.read(buf);
    } catch (err) {
      // A peer that closes without close_notify after a complete response is still an answer.
      if (total > 0 && err instanceof Deno.errors.UnexpectedEof) break;
      throw err;
    }
    if (n === null) break;
    chunks.push(buf.slice(0, n));
    total += n;
  }
  const all = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    all.set(c, off);
    off += c.length;
  }
  const text = new TextDecoder().decode(all);
  const split = text.indexOf("\r\n\r\n");
  const head = split < 0 ? text : text.slice(0, split);
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
  if (!m) throw new Error(`not an HTTP response: ${JSON.stringify(text.slice(0, 60))}`);
  let body = split < 0 ? "" : text.slice(split + 4);
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) body = dechunk(body);
  return { status: Number(m[1]), headers: head, body };
}

function dechunk(text: string): string {
  let out = "";
  let rest = text;
  while (rest.length > 0) {
    const nl = rest.indexOf("\r\n");
    if (nl < 0) break;
    const size = parseInt(rest.slice(0, nl), 16);
    if (!(size > 0)) break;
    out += rest.slice(nl + 2, nl + 2 + size);
    rest = rest.slice(nl + 2 + size + 2);
  }
  return out;
}

/** `GET path` on 127.0.0.1:port with extra headers; `Connection: close`. */
export async function loopbackGet(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("");
    await writeAll(
      conn,
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${extra}Connection: close\r\n\r\n`,
    );
    return await readResponse(conn);
  } finally {
    try {
      conn.close();
    } catch { /* closed */ }
  }
}

/** Every certificate in a PEM bundle, one PEM string each. */
export function splitPem(bundle: string): string[] {
  return bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}
