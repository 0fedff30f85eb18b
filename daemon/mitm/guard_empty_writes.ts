/**
 * Works around a Deno 2.9 `node:tls` bug that hung the engine: a zero-length write on a
 * `TLSSocket` (client or server side) never completes. Its callback is never called, the
 * socket's Writable stays "writing" forever and every later write queues behind it without an
 * error, a timeout or a byte on the wire.
 *
 * `node:http` issues such writes itself: `ClientRequest.end()` / `ServerResponse.end()` send
 * `''` when earlier writes are still pending. On the upstream keep-alive pool this hung the next
 * request that reused the socket (the response had completed, so the agent pooled the socket
 * with its Writable wedged); Python `requests` triggered it because it sends head and body in
 * one record, so the empty write was not coalesced into a corked `_writev`.
 *
 * The guard completes empty chunks in the socket's own Writable machinery (`_write`/`_writev`
 * are called one at a time, in order), so a zero-length write still "finishes" only after the
 * bytes written before it, exactly as Node specifies, but never reaches the TLS handle.
 */
import type { Duplex } from "node:stream";

type WriteCb = (err?: Error | null) => void;
type Chunk = { chunk: Uint8Array | string; encoding: string };
interface Writes {
  _write(chunk: Uint8Array | string, encoding: string, cb: WriteCb): void;
  _writev?(chunks: Chunk[], cb: WriteCb): void;
}

const GUARDED = Symbol("halton.emptyWriteGuard");

/** Makes zero-length writes on `socket` complete without touching the TLS handle. Idempotent. */
export function guardEmptyWrites(socket: Duplex): void {
  const s = socket as unknown as Writes & { [GUARDED]?: true };
  if (s[GUARDED]) return;
  s[GUARDED] = true;
  const write = s._write;
  s._write = function (chunk, encoding, cb) {
    if (chunk.length === 0) {
      // Async like a real write completion: Writable must not see a synchronous callback here.
      queueMicrotask(() => cb(null));
      return;
    }
    return write.call(this, chunk, encoding, cb);
  };
  const writev = s._writev;
  if (writev) {
    s._writev = function (chunks, cb) {
      const real = chunks.filter((c) => c.chunk.length > 0);
      if (real.length === 0) {
        queueMicrotask(() => cb(null));
        return;
      }
      return writev.call(this, real, cb);
    };
  }
}
