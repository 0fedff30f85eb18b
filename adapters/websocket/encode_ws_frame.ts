/** Encodes one WebSocket frame (RFC 6455 §5.2). */

export interface FrameSpec {
  /** 0 continuation, 1 text, 2 binary, 8 close, 9 ping, 10 pong. */
  opcode: number;
  payload: Uint8Array;
  /** Default true. */
  fin?: boolean;
  /** The permessage-deflate bit (first frame of a compressed message). */
  rsv1?: boolean;
  /** A client's masking key (4 bytes); absent for a server's frame. */
  mask?: Uint8Array;
}

export function encodeWsFrame(f: FrameSpec): Uint8Array {
  const n = f.payload.length;
  const extra = n < 126 ? 0 : n < 65536 ? 2 : 8;
  const head = 2 + extra + (f.mask ? 4 : 0);
  const out = new Uint8Array(head + n);
  out[0] = ((f.fin ?? true) ? 0x80 : 0) | (f.rsv1 ? 0x40 : 0) | (f.opcode & 0x0f);
  out[1] = (f.mask ? 0x80 : 0) | (extra === 0 ? n : extra === 2 ? 126 : 127);
  if (extra === 2) {
    out[2] = n >>> 8;
    out[3] = n & 0xff;
  } else if (extra === 8) {
    // Payloads here are far below 2^32: the high word is 0.
    new DataView(out.buffer).setUint32(6, n);
  }
  if (f.mask) {
    out.set(f.mask.subarray(0, 4), 2 + extra);
    for (let i = 0; i < n; i++) out[head + i] = f.payload[i] ^ f.mask[i & 3];
  } else out.set(f.payload, head);
  return out;
}

/** A close frame's payload: the code (big-endian) and a UTF-8 reason cut to fit 125 bytes. */
export function closePayload(code: number, reason: string): Uint8Array {
  let r = new TextEncoder().encode(reason);
  if (r.length > 123) r = new TextEncoder().encode(reason.slice(0, 40));
  const out = new Uint8Array(2 + r.length);
  out[0] = code >>> 8;
  out[1] = code & 0xff;
  out.set(r, 2);
  return out;
}
