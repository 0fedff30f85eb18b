/**
 * The protobuf wire format, as much of it as OTLP spans need (https://protobuf.dev/programming-guides/encoding/):
 * varints (uint32/uint64/int64, negative int64 as ten bytes of two's complement), fixed32,
 * fixed64, doubles, and length-delimited fields (strings, bytes, nested messages). One growing
 * buffer; a nested message reserves room for its length and is moved only when the length takes
 * another number of bytes than reserved (so every length is written in its shortest form).
 */

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_FIXED32 = 5;

const TWO_32 = 4294967296;

/** Bytes `v` (a length or other uint32) takes as a varint. */
export function varintSize(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

/** Bytes `v` takes as a varint: any integer from -2^63 to 2^53 (negative int64: ten). */
export function int64Size(v: number): number {
  if (v < 0) return 10;
  if (v < 0x10000000) return varintSize(v);
  let n = 5;
  for (let rest = Math.floor(v / 0x800000000); rest > 0; rest = Math.floor(rest / 128)) n++;
  return n;
}

/** Writes `v` (0 <= v < 2^32) as a varint at `p` of `buf`, which has room; returns the end. */
export function putVarint32(buf: Uint8Array, p: number, v: number): number {
  while (v > 0x7f) {
    buf[p++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[p++] = v;
  return p;
}

export class ProtobufWriter {
  #buf: Uint8Array;
  #view: DataView;
  readonly #encoder = new TextEncoder();
  /** Where the next byte goes. */
  pos: number;

  /** `start`: bytes left free at the front (for a header written last, see `prepend`). */
  constructor(capacity = 64 * 1024, start = 0) {
    this.#buf = new Uint8Array(Math.max(capacity, start + 16));
    this.#view = new DataView(this.#buf.buffer);
    this.pos = start;
  }

  #ensure(n: number): void {
    if (this.pos + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.pos));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }

  /**
   * Makes room for `n` more bytes and returns the buffer, for callers that write into it
   * directly from `pos` (and then move `pos`). Valid until the next call that may grow it.
   */
  reserve(n: number): Uint8Array {
    this.#ensure(n);
    return this.#buf;
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  /** A non-negative integer up to 2^53, or a negative int64 (ten bytes, two's complement). */
  varint(v: number): void {
    this.#ensure(10);
    const buf = this.#buf;
    if (v >= 0 && v < TWO_32) {
      while (v > 0x7f) {
        buf[this.pos++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      buf[this.pos++] = v;
      return;
    }
    // v = hi * 2^32 + lo, hi signed: its low 32 bits are the top half of the two's complement.
    const high = Math.floor(v / TWO_32);
    let lo = v - high * TWO_32;
    let hi = high >>> 0;
    while (hi > 0 || lo > 0x7f) {
      buf[this.pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    buf[this.pos++] = lo;
  }

  fixed32(v: number): void {
    this.#ensure(4);
    this.#view.setUint32(this.pos, v, true);
    this.pos += 4;
  }

  /** An unsigned 64-bit integer given as its two 32-bit halves. */
  fixed64(lo: number, hi: number): void {
    this.#ensure(8);
    this.#view.setUint32(this.pos, lo, true);
    this.#view.setUint32(this.pos + 4, hi, true);
    this.pos += 8;
  }

  double(v: number): void {
    this.#ensure(8);
    this.#view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  /** Length-prefixed bytes. */
  bytes(b: Uint8Array): void {
    this.varint(b.length);
    this.raw(b);
  }

  /** Bytes as they are (an already encoded field). */
  raw(b: Uint8Array): void {
    this.#ensure(b.length);
    this.#buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Length-prefixed UTF-8. ASCII, what nearly every value is, is copied without an encoder. */
  string(s: string): void {
    const n = s.length;
    const lengthAt = this.pos;
    this.#ensure(n + 5);
    this.varint(n);
    const buf = this.#buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) {
        this.pos = lengthAt;
        this.bytes(this.#encoder.encode(s));
        return;
      }
      buf[p++] = c;
    }
    this.pos = p;
  }

  /**
   * Starts a length-delimited value whose length is not known yet: reserves `reserve` bytes for
   * it. Returns the mark to give `end`.
   */
  begin(reserve = 1): number {
    this.#ensure(reserve);
    const mark = this.pos * 8 + reserve;
    this.pos += reserve;
    return mark;
  }

  /** Writes the length of the value begun at `mark`, moving the value if it needs more or less room. */
  end(mark: number): void {
    const reserved = mark & 7;
    const at = (mark - reserved) / 8;
    const start = at + reserved;
    const length = this.pos - start;
    const size = varintSize(length);
    if (size !== reserved) {
      this.#ensure(size - reserved);
      this.#buf.copyWithin(at + size, start, this.pos);
      this.pos += size - reserved;
    }
    const end = this.pos;
    this.pos = at;
    this.varint(length);
    this.pos = end;
  }

  /**
   * Writes `header` just before `from` (in the room left free by the constructor's `start`) and
   * returns the message from there to the end.
   */
  prepend(from: number, header: Uint8Array): Uint8Array {
    if (header.length > from) {
      throw new Error(
        `Cannot prepend ${header.length} bytes: only ${from} were left free; this is a bug`,
      );
    }
    this.#buf.set(header, from - header.length);
    return this.#buf.subarray(from - header.length, this.pos);
  }

  /** Everything written, from `from`. */
  finish(from = 0): Uint8Array {
    return this.#buf.subarray(from, this.pos);
  }
}
