/** Socket helpers for black-box tests (loopback only). */

export async function readUntil(conn: Deno.Conn, marker: string, max = 1 << 20): Promise<string> {
  const buf = new Uint8Array(65536);
  let text = "";
  while (!text.includes(marker)) {
    const n = await conn.read(buf);
    if (n === null) break;
    text += new TextDecoder("latin1").decode(buf.subarray(0, n));
    if (text.length > max) break;
  }
  return text;
}

export async function readAll(conn: Deno.Conn): Promise<string> {
  const buf = new Uint8Array(65536);
  let text = "";
  while (true) {
    let n: number | null;
    try {
      n = await conn.read(buf);
    } catch {
      break;
    }
    if (n === null) break;
    text += new TextDecoder("latin1").decode(buf.subarray(0, n));
  }
  return text;
}

export async function writeAll(conn: Deno.Conn, data: Uint8Array | string): Promise<void> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  let off = 0;
  while (off < bytes.length) off += await conn.write(bytes.subarray(off));
}

/** Sends raw bytes to host:port and returns everything the server answers until it closes. */
export async function rawExchange(port: number, data: string | Uint8Array): Promise<string> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await writeAll(conn, data);
    return await readAll(conn);
  } finally {
    try {
      conn.close();
    } catch { /* closed */ }
  }
}

/** An echo server: every connection gets its bytes back; half-close answered with a summary. */
export function startEchoServer(): { port: number; close(): Promise<void>; connections(): number } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const open = new Set<Deno.Conn>();
  let total = 0;
  const handlers: Promise<void>[] = [];
  const loop = (async () => {
    for await (const conn of listener) {
      total++;
      open.add(conn);
      handlers.push((async () => {
        const buf = new Uint8Array(16384);
        let seen = 0;
        try {
          while (true) {
            const n = await conn.read(buf);
            if (n === null) break;
            seen += n;
            await writeAll(conn, buf.subarray(0, n));
          }
          // The peer half-closed: answer after its EOF, proving the half-close arrived.
          await writeAll(conn, `\nEOF after ${seen} bytes\n`);
        } catch {
          /* reset */
        } finally {
          open.delete(conn);
          try {
            conn.close();
          } catch { /* closed */ }
        }
      })());
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    connections: () => total,
    async close() {
      listener.close();
      for (const c of open) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      await loop.catch(() => {});
      await Promise.all(handlers);
    },
  };
}

export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

export async function run(
  cmd: string,
  args: string[],
  env?: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(cmd, { args, env, stdout: "piped", stderr: "piped" }).output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}
