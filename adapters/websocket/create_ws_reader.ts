/**
 * Reads one direction of a WebSocket connection (RFC 6455 §5) from bytes in arbitrary pieces:
 * frames (masked or not), fragmented messages with control frames between their fragments,
 * and permessage-deflate (RFC 7692) messages, decompressed with context takeover. Pure: bytes
 * in, events out; it only reads a copy, so what is forwarded is never touched. Never throws:
 * a protocol error is an event, after which the rest of the stream is only counted.
 */
import { createRawInflater } from "./create_raw_inflater.ts";

export interface WsReaderOptions {
  /** permessage-deflate was negotiated: RSV1 on a message's first frame marks it compressed. */
  deflate: boolean;
  /** Largest message kept, compressed and decoded; default 16 MiB. */
  maxMessageBytes?: number;
}

/** `start`/`end` are offsets in the direction's byte stream (first byte, one past the last). */
export type WsEvent =
  | {
    type: "message";
    /** 1 text, 2 binary. */
    opcode: number;
    /** The payload (unmasked, reassembled, decompressed); null when it could not be kept. */
    data: Uint8Array | null;
    error: string | null;
    compressed: boolean;
    start: number;
    end: number;
  }
  | { type: "close"; code: number | null; reason: string; start: number; end: number }
  | { type: "ping" | "pong"; start: number; end: number }
  | { type: "error"; message: string; at: number };

export interface WsReader {
  push(bytes: Uint8Array): WsEvent[];
  /** Stream offset up to which every frame is whole and no data message is open. */
  safeOffset(): number;
  /** Nothing is partly read: a whole frame may be inserted into the stream here. */
  atBoundary(): boolean;
  /** A protocol error stopped the decoding. */
  failed(): boolean;
}

export const MAX_WS_MESSAGE_BYTES = 16 * 1024 * 1024;
const TAIL = [0x00, 0x00, 0xff, 0xff];

export function createWsReader(opts: WsReaderOptions): WsReader {
  const max = opts.maxMessageBytes ?? MAX_WS_MESSAGE_BYTES;
  const inflater = opts.deflate ? createRawInflater() : null;
  let offset = 0;
  let safe = 0;
  let failed = false;
  // Frame header being read.
  const hdr = new Uint8Array(14);
  let hdrLen = 0;
  let frameStart = 0;
  // Frame payload being read.
  let inPayload = false;
  let remaining = 0;
  let opcode = 0;
  let fin = false;
  let mask: Uint8Array | null = null;
  let maskPos = 0;
  let control: number[] = [];
  // Data message being assembled.
  let open = false;
  let msgOpcode = 0;
  let msgStart = 0;
  let compressed = false;
  let parts: Uint8Array[] = [];
  let msgBytes = 0;
  let tooBig = false;
  /** An oversized compressed message was not decoded: later ones cannot be either. */
  let contextLost = false;

  const fail = (events: WsEvent[], message: string): false => {
    failed = true;
    events.push({ type: "error", message, at: offset });
    return false;
  };

  /** Reads the header once `hdrLen` bytes are in; returns false when more are needed. */
  const headerDone = (events: WsEvent[]): boolean => {
    if (hdrLen < 2) return false;
    const len7 = hdr[1] & 0x7f;
    const masked = (hdr[1] & 0x80) !== 0;
    const need = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (masked ? 4 : 0);
    if (hdrLen < need) return false;
    fin = (hdr[0] & 0x80) !== 0;
    const rsv1 = (hdr[0] & 0x40) !== 0;
    opcode = hdr[0] & 0x0f;
    let len = len7;
    let p = 2;
    if (len7 === 126) {
      len = (hdr[2] << 8) | hdr[3];
      p = 4;
    } else if (len7 === 127) {
      const v = new DataView(hdr.buffer);
      len = v.getUint32(2) * 2 ** 32 + v.getUint32(6);
      p = 10;
    }
    mask = masked ? hdr.slice(p, p + 4) : null;
    maskPos = 0;
    remaining = len;
    const isControl = (opcode & 0x08) !== 0;
    if ((hdr[0] & 0x30) !== 0) return fail(events, "RSV2/RSV3 set: unknown extension");
    if (![0, 1, 2, 8, 9, 10].includes(opcode)) {
      return fail(events, `reserved opcode ${opcode}`);
    }
    if (isControl && (!fin || len > 125)) {
      return fail(events, "fragmented or oversized control frame");
    }
    if (rsv1 && (!inflater || isControl || opcode === 0)) {
      return fail(events, "RSV1 set without permessage-deflate on a message's first frame");
    }
    if (opcode === 0 && !open) return fail(events, "continuation frame with no message");
    if ((opcode === 1 || opcode === 2) && open) {
      return fail(events, "new message before the previous one ended");
    }
    if (len > Number.MAX_SAFE_INTEGER) return fail(events, "frame length out of range");
    if (opcode === 1 || opcode === 2) {
      open = true;
      msgOpcode = opcode;
      msgStart = frameStart;
      compressed = rsv1;
      parts = [];
      msgBytes = 0;
      tooBig = false;
    }
    control = [];
    inPayload = true;
    return true;
  };

  const endMessage = (events: WsEvent[]) => {
    open = false;
    let data: Uint8Array | null = null;
    let error: string | null = null;
    if (tooBig) {
      error = `message exceeds ${max} bytes`;
      if (compressed) contextLost = true;
    } else {
      const all = new Uint8Array(msgBytes + (compressed ? 4 : 0));
      let o = 0;
      for (const p of parts) {
        all.set(p, o);
        o += p.length;
      }
      if (compressed) all.set(TAIL, o);
      if (!compressed) data = all;
      else if (contextLost || !inflater) {
        error = "compression context lost after an oversized message";
      } else {
        const r = inflater.inflate(all, max);
        if (!r.ok) {
          error = `permessage-deflate: ${r.error}`;
          contextLost = true;
        } else if (r.truncated) error = `message exceeds ${max} bytes decompressed`;
        else data = r.output;
      }
    }
    parts = [];
    events.push({
      type: "message",
      opcode: msgOpcode,
      data,
      error,
      compressed,
      start: msgStart,
      end: offset,
    });
    safe = offset;
  };

  const endFrame = (events: WsEvent[]) => {
    inPayload = false;
    hdrLen = 0;
    if (opcode & 0x08) {
      if (opcode === 8) {
        const code = control.length >= 2 ? (control[0] << 8) | control[1] : null;
        const reason = new TextDecoder().decode(new Uint8Array(control.slice(2)));
        events.push({ type: "close", code, reason, start: frameStart, end: offset });
      } else {
        events.push({ type: opcode === 9 ? "ping" : "pong", start: frameStart, end: offset });
      }
      if (!open) safe = offset;
    } else if (fin) endMessage(events);
  };

  return {
    push(bytes: Uint8Array): WsEvent[] {
      const events: WsEvent[] = [];
      let i = 0;
      while (i < bytes.length && !failed) {
        if (!inPayload) {
          if (hdrLen === 0) frameStart = offset;
          hdr[hdrLen++] = bytes[i++];
          offset++;
          if (headerDone(events) && remaining === 0) endFrame(events);
          continue;
        }
        const n = Math.min(remaining, bytes.length - i);
        const piece = bytes.subarray(i, i + n);
        let plain = piece;
        if (mask) {
          plain = new Uint8Array(n);
          for (let k = 0; k < n; k++) plain[k] = piece[k] ^ mask[(maskPos + k) & 3];
          maskPos += n;
        }
        if (opcode & 0x08) {
          for (const b of plain) control.push(b);
        } else if (!tooBig) {
          if (msgBytes + n > max) {
            tooBig = true;
            parts = [];
          } else parts.push(mask ? plain : plain.slice());
          msgBytes += n;
        }
        i += n;
        offset += n;
        remaining -= n;
        if (remaining === 0) endFrame(events);
      }
      if (failed) offset += bytes.length - i;
      return events;
    },
    safeOffset: () => safe,
    atBoundary: () => !failed && !inPayload && hdrLen === 0 && !open,
    failed: () => failed,
  };
}
