/**
 * Reads a TLS ClientHello far enough to know the server name (SNI) the client asks for. Pure:
 * bytes in, a result out, so it is tested and fuzzed without sockets. The engine uses it to
 * pick the certificate before any TLS socket exists (see create_mitm_server.ts for why).
 */

export type ClientHello =
  /** More bytes are needed. */
  | { kind: "incomplete" }
  /** `serverName` is the first `host_name` of the SNI extension, lower case; null without one. */
  | { kind: "hello"; serverName: string | null }
  /** The first bytes are not a TLS handshake record: not TLS at all. */
  | { kind: "not-tls"; message: string }
  /** TLS, but not a ClientHello we can read. */
  | { kind: "malformed"; message: string };

/** Bigger than any real ClientHello (post-quantum key shares stay under 2 KiB). */
export const MAX_CLIENT_HELLO_BYTES = 64 * 1024;

const HANDSHAKE = 0x16;
const CLIENT_HELLO = 0x01;
const MAX_RECORD = 16384 + 2048;
/** What a host name may hold on the wire: letters, digits, `-`, `.`, `_` (seen in the wild). */
const HOST_NAME = /^[a-z0-9._-]{1,253}$/;

const latin1 = new TextDecoder("latin1");
const malformed = (message: string): ClientHello => ({ kind: "malformed", message });

/**
 * The handshake bytes at the start of `bytes`: the payloads of its handshake records joined,
 * the last one as far as it arrived (so a message's header is seen before its record ends).
 */
function handshakeBytes(bytes: Uint8Array): Uint8Array | ClientHello {
  // Anything else shows in its first two bytes: a record type and a major version of 3.
  if (bytes.length >= 1 && bytes[0] !== HANDSHAKE) {
    return { kind: "not-tls", message: `first byte 0x${bytes[0].toString(16)} is no TLS record` };
  }
  if (bytes.length >= 2 && bytes[1] !== 3) {
    return { kind: "not-tls", message: `record version ${bytes[1]}.${bytes[2]} is not TLS` };
  }
  const parts: Uint8Array[] = [];
  let off = 0;
  let total = 0;
  while (off + 5 <= bytes.length) {
    if (off > 0 && (bytes[off] !== HANDSHAKE || bytes[off + 1] !== 3)) {
      return malformed("a ClientHello continued in a record that is not a TLS handshake");
    }
    const length = (bytes[off + 3] << 8) | bytes[off + 4];
    if (length === 0 || length > MAX_RECORD) return malformed(`record length ${length}`);
    parts.push(bytes.subarray(off + 5, Math.min(bytes.length, off + 5 + length)));
    if (off + 5 + length > bytes.length) {
      total += bytes.length - off - 5;
      break;
    }
    total += length;
    off += 5 + length;
    // As many records as the message the first one announces: later bytes are not ours.
    const first = parts[0];
    if (first.length >= 4 && total >= 4 + ((first[1] << 16) | (first[2] << 8) | first[3])) break;
  }
  const data = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    data.set(p, at);
    at += p.length;
  }
  return data;
}

/** A bounds-checked reader over the ClientHello body; every read past the end throws. */
class Reader {
  #at = 0;
  constructor(private readonly b: Uint8Array, private end = b.length) {}
  u8(): number {
    if (this.#at + 1 > this.end) throw new RangeError("truncated");
    return this.b[this.#at++];
  }
  u16(): number {
    return (this.u8() << 8) | this.u8();
  }
  take(n: number): Uint8Array {
    if (this.#at + n > this.end) throw new RangeError("truncated");
    const out = this.b.subarray(this.#at, this.#at + n);
    this.#at += n;
    return out;
  }
  done(): boolean {
    return this.#at >= this.end;
  }
}

function serverNameOf(extensions: Uint8Array): string | null {
  const r = new Reader(extensions);
  while (!r.done()) {
    const type = r.u16();
    const body = r.take(r.u16());
    if (type !== 0) continue;
    const names = new Reader(body);
    const list = new Reader(names.take(names.u16()));
    while (!list.done()) {
      const nameType = list.u8();
      const name = list.take(list.u16());
      if (nameType !== 0) continue;
      const text = latin1.decode(name).toLowerCase().replace(/\.$/, "");
      if (!HOST_NAME.test(text)) throw new RangeError(`server name ${JSON.stringify(text)}`);
      return text;
    }
    return null;
  }
  return null;
}

/** Parses the ClientHello at the start of `bytes` (the client's first bytes after CONNECT). */
export function parseClientHello(bytes: Uint8Array): ClientHello {
  const hs = handshakeBytes(bytes);
  if (!(hs instanceof Uint8Array)) return hs;
  if (hs.length >= 1 && hs[0] !== CLIENT_HELLO) {
    return malformed(`first handshake message is type ${hs[0]}, not a ClientHello`);
  }
  const length = hs.length >= 4 ? (hs[1] << 16) | (hs[2] << 8) | hs[3] : 0;
  if (length > MAX_CLIENT_HELLO_BYTES) return malformed(`ClientHello of ${length} bytes`);
  if (hs.length < 4 || hs.length < 4 + length) {
    // Record headers add 5 bytes per record: twice the cap is more than any real client sends.
    return bytes.length > 2 * MAX_CLIENT_HELLO_BYTES
      ? malformed(`ClientHello still incomplete after ${bytes.length} bytes`)
      : { kind: "incomplete" };
  }
  try {
    const r = new Reader(hs, 4 + length);
    r.take(4); // type and length
    r.take(2 + 32); // legacy_version, random
    r.take(r.u8()); // legacy_session_id
    r.take(r.u16()); // cipher_suites
    r.take(r.u8()); // legacy_compression_methods
    if (r.done()) return { kind: "hello", serverName: null }; // no extensions at all
    return { kind: "hello", serverName: serverNameOf(r.take(r.u16())) };
  } catch (err) {
    return malformed(`ClientHello does not parse: ${(err as Error).message}`);
  }
}
