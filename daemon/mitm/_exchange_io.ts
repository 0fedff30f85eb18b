/** Small I/O helpers of one exchange (see _run_exchange.ts). */
import type { Duplex } from "node:stream";
import type { UpstreamConn } from "./create_upstream_pool.ts";
import { parseResponseHead, type ResponseHead } from "./parse_response_head.ts";
import type { ExchangeErrorKind } from "./types.ts";

export type Failure = { kind: ExchangeErrorKind; message: string };

export const ABORTED: Failure = { kind: "client_aborted", message: "client closed the connection" };

const enc = new TextEncoder();
const EMPTY = new Uint8Array(0);

/** Header text to bytes, one byte per char (obs-text in values survives as sent). */
export const latin1 = (s: string): Uint8Array => {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
};

export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

export function concatAll(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** A failure already classified, carried through `throw` to the exchange's one catch. */
export class UpstreamFailure extends Error {
  constructor(readonly failure: Failure) {
    super(failure.message);
  }
}

/** Reads from the upstream; a read failing because the client left is not an upstream error. */
export async function readUpstream(
  u: UpstreamConn,
  clientGone: () => boolean,
): Promise<Uint8Array | null> {
  try {
    return await u.read();
  } catch (err) {
    if (clientGone()) {
      throw new UpstreamFailure({
        kind: "client_aborted",
        message: "client closed the connection",
      });
    }
    throw err;
  }
}

/**
 * Resolves once every byte written to `sock` so far has been handed on (or the socket closed):
 * an empty write completes after every earlier one; guard_empty_writes.ts keeps it off the TLS
 * handle, where Deno 2.9 would never complete it.
 */
export function flushed(sock: Duplex): Promise<void> {
  if (sock.destroyed) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      sock.off("close", done);
      resolve();
    };
    sock.once("close", done);
    sock.write(EMPTY, done);
  });
}

/** The engine's answer when the upstream failed before its response head: a JSON 502. */
export function badGateway(hostPort: string, failure: Failure): Uint8Array {
  const body = JSON.stringify({
    type: "error",
    error: {
      type: "halton_meter_upstream_error",
      message: `Halton Meter could not reach ${hostPort}: ${failure.message}`,
    },
  });
  return enc.encode(
    `HTTP/1.1 502 Bad Gateway\r\ncontent-type: application/json\r\n` +
      `content-length: ${enc.encode(body).length}\r\nx-halton-meter-error: ${failure.kind}\r\n` +
      `connection: close\r\n\r\n${body}`,
  );
}

/**
 * Writes to the client: throws once it is gone; resolves at once, or when the socket drains
 * (or closes) if its buffer is full.
 */
export function clientWriter(
  sock: Duplex,
  gone: () => boolean,
): (bytes: Uint8Array) => Promise<void> | void {
  return (bytes) => {
    if (gone() || sock.destroyed) throw new UpstreamFailure(ABORTED);
    if (!sock.write(bytes)) {
      return new Promise<void>((resolve) => {
        const done = () => {
          sock.off("drain", done);
          sock.off("close", done);
          resolve();
        };
        sock.on("drain", done);
        sock.on("close", done);
      });
    }
  };
}

/**
 * Reads the upstream's response head; each interim 1xx head other than 101 is handed to
 * `interim` (with its bytes) and skipped. Returns the final head and the bytes read after it.
 */
export async function readResponseHead(
  u: UpstreamConn,
  clientGone: () => boolean,
  interim: (head: ResponseHead, bytes: Uint8Array) => Promise<void> | void,
): Promise<{ head: ResponseHead; rest: Uint8Array }> {
  let rbuf: Uint8Array = new Uint8Array(0);
  for (;;) {
    const parsed = parseResponseHead(rbuf);
    if (parsed.kind === "head") {
      const h = parsed.head;
      if (h.status >= 100 && h.status < 200 && h.status !== 101) {
        await interim(h, rbuf.subarray(0, h.headLength));
        rbuf = rbuf.subarray(h.headLength);
        continue;
      }
      return { head: h, rest: rbuf.subarray(h.headLength) };
    }
    if (parsed.kind === "error") {
      throw new UpstreamFailure({ kind: "upstream_error", message: parsed.message });
    }
    const chunk = await readUpstream(u, clientGone);
    if (chunk === null) {
      throw new UpstreamFailure({
        kind: "upstream_reset",
        message: "upstream closed the connection before sending a response",
      });
    }
    rbuf = concat(rbuf, chunk);
  }
}
