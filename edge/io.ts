/** Small socket helpers shared by the edge's connection code. */

export async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.length) off += await conn.write(data.subarray(off));
}

/** Closes a connection, ignoring "already closed". */
export function safeClose(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch { /* already closed */ }
}

/** Rejects after `ms` unless `promise` settles first; the timer never outlives the race. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Deno.errors.TimedOut(`${what} timed out after ${ms} ms`)),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Connects with a deadline; a late connection is closed rather than leaked. */
export async function connectWithTimeout(
  opts: { hostname: string; port: number },
  ms: number,
  connect: (o: Deno.ConnectOptions) => Promise<Deno.TcpConn> = (o) => Deno.connect(o),
): Promise<Deno.TcpConn> {
  const pending = connect({ hostname: opts.hostname, port: opts.port, transport: "tcp" });
  try {
    return await withTimeout(pending, ms, `connect to ${opts.hostname}:${opts.port}`);
  } catch (err) {
    pending.then((c) => safeClose(c), () => {});
    throw err;
  }
}

export function response(status: number, reason: string, body: string): Uint8Array {
  const text = body === "" ? "" : body + "\n";
  return new TextEncoder().encode(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${
        new TextEncoder().encode(text).length
      }\r\nConnection: close\r\n\r\n${text}`,
  );
}
