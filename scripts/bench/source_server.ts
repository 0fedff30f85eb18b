/**
 * The bench's traffic source, run as its own process so it never shares an event
 * loop with the client or the proxy under test:
 *
 *   deno run --allow-net scripts/bench/source_server.ts --bytes <n>
 *
 * - bulk port: on accept, writes `n` bytes (one pre-filled 1 MiB buffer, written
 *   repeatedly) and closes;
 * - banner port: on accept, writes one byte and closes.
 *
 * Prints `SOURCE_READY {"bulk":<port>,"banner":<port>}` and exits when stdin closes,
 * so it dies with its parent even if the parent is killed.
 */

/** 1 MiB: large enough that one write op moves ~1 MiB, measured ≥ 3 GB/s on loopback. */
export const SOURCE_CHUNK = 1 << 20;

async function writeAllOrReset(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.length) off += await conn.write(data.subarray(off));
}

async function serveBulk(conn: Deno.Conn, bytes: number, chunk: Uint8Array): Promise<void> {
  let left = bytes;
  try {
    while (left > 0) {
      const part = left >= chunk.length ? chunk : chunk.subarray(0, left);
      await writeAllOrReset(conn, part);
      left -= part.length;
    }
  } catch { /* the client went away: its measurement reports the short read */ }
  try {
    conn.close();
  } catch { /* closed */ }
}

async function serveBanner(conn: Deno.Conn, banner: Uint8Array): Promise<void> {
  try {
    await writeAllOrReset(conn, banner);
  } catch { /* the client went away */ }
  try {
    conn.close();
  } catch { /* closed */ }
}

async function acceptLoop(listener: Deno.TcpListener, serve: (c: Deno.TcpConn) => Promise<void>) {
  try {
    for await (const conn of listener) serve(conn);
  } catch { /* listener closed at exit */ }
}

/** Starts both listeners; resolves when stdin reaches EOF (the parent is gone). */
export async function serveSource(opts: { bytes: number }): Promise<void> {
  const chunk = new Uint8Array(SOURCE_CHUNK);
  for (let i = 0; i < chunk.length; i++) chunk[i] = i & 0xff;
  const banner = new Uint8Array([0x21]);
  const bulk = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const bannerListener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const loops = Promise.all([
    acceptLoop(bulk, (c) => serveBulk(c, opts.bytes, chunk)),
    acceptLoop(bannerListener, (c) => {
      try {
        c.setNoDelay(true);
      } catch { /* closed */ }
      return serveBanner(c, banner);
    }),
  ]);
  const ports = {
    bulk: (bulk.addr as Deno.NetAddr).port,
    banner: (bannerListener.addr as Deno.NetAddr).port,
  };
  console.log(`SOURCE_READY ${JSON.stringify(ports)}`);
  const sink = new Uint8Array(256);
  while ((await Deno.stdin.read(sink)) !== null) { /* parent alive */ }
  bulk.close();
  bannerListener.close();
  await loops;
}

function parseBytes(args: string[]): number {
  const i = args.indexOf("--bytes");
  const n = Number(i >= 0 ? args[i + 1] : NaN);
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new Error(`source_server: --bytes must be a whole number of bytes, got ${args[i + 1]}`);
  }
  return n;
}

if (import.meta.main) {
  // Open connections may still be writing when the parent is gone; exit rather than wait.
  serveSource({ bytes: parseBytes(Deno.args) }).then(
    () => Deno.exit(0),
    (err) => {
      console.error(err instanceof Error ? err.message : err);
      Deno.exit(1);
    },
  );
}
