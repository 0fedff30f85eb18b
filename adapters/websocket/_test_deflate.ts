// Test support: permessage-deflate the way a sender with context takeover does it, with
// node:zlib (one raw deflate stream, a sync flush after each message, the 00 00 ff ff tail
// removed, RFC 7692 §7.2.1).
import zlib from "node:zlib";

export async function deflateMessages(
  messages: Uint8Array[],
  opts: { noContextTakeover?: boolean } = {},
): Promise<Uint8Array[]> {
  let def = zlib.createDeflateRaw();
  const out: Uint8Array[] = [];
  for (const m of messages) {
    if (opts.noContextTakeover) def = zlib.createDeflateRaw();
    const chunks: Uint8Array[] = [];
    const onData = (c: Uint8Array) => chunks.push(new Uint8Array(c));
    def.on("data", onData);
    await new Promise<void>((resolve) => {
      def.write(m);
      def.flush(zlib.constants.Z_SYNC_FLUSH, () => resolve());
    });
    // Data events for the flush may come after its callback: give them a turn.
    await new Promise((r) => setTimeout(r, 0));
    def.off("data", onData);
    let n = 0;
    for (const c of chunks) n += c.length;
    const all = new Uint8Array(n);
    let off = 0;
    for (const c of chunks) {
      all.set(c, off);
      off += c.length;
    }
    const tail = all.subarray(all.length - 4);
    if (!(tail[0] === 0 && tail[1] === 0 && tail[2] === 0xff && tail[3] === 0xff)) {
      throw new Error("Cannot deflate for the test: the flush did not end with 00 00 ff ff");
    }
    out.push(all.slice(0, all.length - 4));
  }
  def.close();
  return out;
}
