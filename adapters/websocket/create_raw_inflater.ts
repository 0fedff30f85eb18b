/**
 * A raw DEFLATE (RFC 1951) decoder that keeps the last 32 KiB of output between calls, as
 * permessage-deflate's context takeover needs (RFC 7692 §7.2.2): each message may refer back
 * into the previous messages' output. Deno's node:zlib ignores a preset dictionary on raw
 * inflate, so the window cannot be handed to zlib; this decoder is written from the RFC.
 *
 * Synchronous and bounded: output past `maxOutput` is decoded (the window must stay right)
 * but not kept.
 */

export interface RawInflater {
  /**
   * Decodes one message: its compressed payload with the `00 00 ff ff` tail the sender removed
   * put back by the caller. Never throws.
   */
  inflate(input: Uint8Array, maxOutput: number): InflateResult;
}

export type InflateResult =
  | { ok: true; output: Uint8Array; truncated: boolean }
  | { ok: false; error: string };

const WINDOW = 32768;
const MASK = WINDOW - 1;
const LBASE = [
  3,
  4,
  5,
  6,
  7,
  8,
  9,
  10,
  11,
  13,
  15,
  17,
  19,
  23,
  27,
  31,
  35,
  43,
  51,
  59,
  67,
  83,
  99,
  115,
  131,
  163,
  195,
  227,
  258,
];
const LEXT = [
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  1,
  1,
  1,
  1,
  2,
  2,
  2,
  2,
  3,
  3,
  3,
  3,
  4,
  4,
  4,
  4,
  5,
  5,
  5,
  5,
  0,
];
const DBASE = [
  1,
  2,
  3,
  4,
  5,
  7,
  9,
  13,
  17,
  25,
  33,
  49,
  65,
  97,
  129,
  193,
  257,
  385,
  513,
  769,
  1025,
  1537,
  2049,
  3073,
  4097,
  6145,
  8193,
  12289,
  16385,
  24577,
];
const DEXT = [
  0,
  0,
  0,
  0,
  1,
  1,
  2,
  2,
  3,
  3,
  4,
  4,
  5,
  5,
  6,
  6,
  7,
  7,
  8,
  8,
  9,
  9,
  10,
  10,
  11,
  11,
  12,
  12,
  13,
  13,
];
const CL_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** A canonical Huffman code: how many codes of each length, symbols ordered by code. */
interface Huffman {
  count: Uint16Array;
  symbol: Uint16Array;
}

class InflateError extends Error {}

function buildHuffman(lengths: ArrayLike<number>, n: number): Huffman {
  const count = new Uint16Array(16);
  for (let i = 0; i < n; i++) count[lengths[i]]++;
  let left = 1;
  for (let len = 1; len < 16; len++) {
    left = left * 2 - count[len];
    if (left < 0) throw new InflateError("over-subscribed Huffman code");
  }
  const offs = new Uint16Array(16);
  for (let len = 1; len < 15; len++) offs[len + 1] = offs[len] + count[len];
  const symbol = new Uint16Array(n);
  for (let i = 0; i < n; i++) if (lengths[i] !== 0) symbol[offs[lengths[i]]++] = i;
  return { count, symbol };
}

const FIXED = (() => {
  const l = new Uint8Array(288);
  l.fill(8, 0, 144);
  l.fill(9, 144, 256);
  l.fill(7, 256, 280);
  l.fill(8, 280, 288);
  return { lit: buildHuffman(l, 288), dist: buildHuffman(new Uint8Array(30).fill(5), 30) };
})();

export function createRawInflater(): RawInflater {
  const window = new Uint8Array(WINDOW);
  let wpos = 0;
  /** Bytes of history available (up to WINDOW). */
  let wfill = 0;

  return {
    inflate(input: Uint8Array, maxOutput: number): InflateResult {
      let pos = 0;
      let bitbuf = 0;
      let bitcnt = 0;
      let out = new Uint8Array(Math.min(Math.max(1024, input.length * 4), maxOutput));
      let outLen = 0;
      let truncated = false;
      // On failure the window is left as decoded so far: the stream is broken anyway.
      const bits = (n: number): number => {
        while (bitcnt < n) {
          if (pos >= input.length) throw new InflateError("compressed data ends mid-block");
          bitbuf |= input[pos++] << bitcnt;
          bitcnt += 8;
        }
        const v = bitbuf & ((1 << n) - 1);
        bitbuf >>>= n;
        bitcnt -= n;
        return v;
      };
      const put = (b: number) => {
        window[wpos] = b;
        wpos = (wpos + 1) & MASK;
        if (wfill < WINDOW) wfill++;
        if (outLen < maxOutput) {
          if (outLen === out.length) {
            const grown = new Uint8Array(Math.min(out.length * 2, maxOutput));
            grown.set(out);
            out = grown;
          }
          out[outLen++] = b;
        } else truncated = true;
      };
      const decode = (h: Huffman): number => {
        let code = 0;
        let first = 0;
        let index = 0;
        for (let len = 1; len < 16; len++) {
          code |= bits(1);
          const count = h.count[len];
          if (code - count < first) return h.symbol[index + (code - first)];
          index += count;
          first += count;
          first <<= 1;
          code <<= 1;
        }
        throw new InflateError("invalid Huffman code");
      };
      const codes = (lit: Huffman, dist: Huffman) => {
        for (;;) {
          const sym = decode(lit);
          if (sym < 256) put(sym);
          else if (sym === 256) return;
          else {
            const li = sym - 257;
            if (li >= 29) throw new InflateError("invalid length symbol");
            const len = LBASE[li] + bits(LEXT[li]);
            const di = decode(dist);
            if (di >= 30) throw new InflateError("invalid distance symbol");
            const d = DBASE[di] + bits(DEXT[di]);
            if (d > wfill) throw new InflateError("distance too far back");
            for (let i = 0; i < len; i++) put(window[(wpos - d) & MASK]);
          }
        }
      };
      const dynamic = () => {
        const nlen = bits(5) + 257;
        const ndist = bits(5) + 1;
        const ncode = bits(4) + 4;
        if (nlen > 286 || ndist > 30) throw new InflateError("bad dynamic block counts");
        const cl = new Uint8Array(19);
        for (let i = 0; i < ncode; i++) cl[CL_ORDER[i]] = bits(3);
        const clh = buildHuffman(cl, 19);
        const lengths = new Uint8Array(nlen + ndist);
        for (let i = 0; i < nlen + ndist;) {
          const sym = decode(clh);
          if (sym < 16) {
            lengths[i++] = sym;
            continue;
          }
          let len = 0;
          let rep: number;
          if (sym === 16) {
            if (i === 0) throw new InflateError("repeat with no previous length");
            len = lengths[i - 1];
            rep = 3 + bits(2);
          } else if (sym === 17) rep = 3 + bits(3);
          else rep = 11 + bits(7);
          if (i + rep > nlen + ndist) throw new InflateError("too many code lengths");
          while (rep-- > 0) lengths[i++] = len;
        }
        if (lengths[256] === 0) throw new InflateError("no end-of-block code");
        codes(buildHuffman(lengths, nlen), buildHuffman(lengths.subarray(nlen), ndist));
      };
      try {
        // The message ends at the end of the input (the sync-flush tail is an empty stored
        // block, so the input ends on a block boundary), or at a final block.
        while (pos < input.length || bitcnt >= 8) {
          const last = bits(1);
          const type = bits(2);
          if (type === 0) {
            bitbuf = 0;
            bitcnt = 0;
            if (pos + 4 > input.length) throw new InflateError("stored block header cut");
            const len = input[pos] | (input[pos + 1] << 8);
            const nlen = input[pos + 2] | (input[pos + 3] << 8);
            pos += 4;
            if (len !== (~nlen & 0xffff)) throw new InflateError("stored block length mismatch");
            if (pos + len > input.length) throw new InflateError("stored block cut");
            for (let i = 0; i < len; i++) put(input[pos + i]);
            pos += len;
          } else if (type === 1) codes(FIXED.lit, FIXED.dist);
          else if (type === 2) dynamic();
          else throw new InflateError("invalid block type 3");
          if (last) break;
        }
      } catch (err) {
        if (err instanceof InflateError) return { ok: false, error: err.message };
        return { ok: false, error: String(err) };
      }
      return { ok: true, output: out.subarray(0, outLen), truncated };
    },
  };
}
