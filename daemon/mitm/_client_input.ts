/** Pull-style reader over a client socket's 'data' events, with backpressure by pause/resume. */
import type { Duplex } from "node:stream";

const HIGH_WATER = 1024 * 1024;

export class ClientInput {
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  #ended = false;
  #wake: (() => void) | null = null;

  constructor(readonly sock: Duplex) {
    sock.on("data", (chunk: Uint8Array) => {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
      if (this.#buffered > HIGH_WATER) sock.pause();
      this.#notify();
    });
    const end = () => {
      this.#ended = true;
      this.#notify();
    };
    sock.once("end", end);
    sock.once("close", end);
  }

  #notify() {
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }

  /** Next chunk, or null once the client has ended (or `cancel` was called). */
  async next(): Promise<Uint8Array | null> {
    while (this.#chunks.length === 0) {
      if (this.#ended) return null;
      await new Promise<void>((r) => this.#wake = r);
    }
    const c = this.#chunks.shift()!;
    this.#buffered -= c.length;
    if (this.sock.isPaused() && this.#buffered <= HIGH_WATER / 2) this.sock.resume();
    return c;
  }

  /**
   * Resolves true as soon as a chunk is buffered or the client has ended, false when `ms` pass
   * first. Does not consume anything.
   */
  async readable(ms: number): Promise<boolean> {
    if (this.#chunks.length > 0 || this.#ended) return true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const woke = await Promise.race([
      new Promise<boolean>((r) => {
        const prev = this.#wake;
        this.#wake = () => {
          prev?.();
          r(true);
        };
      }),
      new Promise<boolean>((r) => timer = setTimeout(() => r(false), ms)),
    ]);
    clearTimeout(timer);
    return woke;
  }

  /** Puts bytes back at the front (the start of the next request). */
  unshift(bytes: Uint8Array) {
    if (bytes.length === 0) return;
    this.#chunks.unshift(bytes);
    this.#buffered += bytes.length;
  }

  /** Makes a pending and every later `next()` return null (the exchange gave up on the client). */
  cancel() {
    this.#ended = true;
    this.#notify();
  }

  /** Bytes have arrived that nobody has read yet. */
  pending(): boolean {
    return this.#chunks.length > 0;
  }

  /** True when the client has sent its end (or is gone) and nothing is buffered. */
  drained(): boolean {
    return this.#ended && this.#chunks.length === 0;
  }
}
