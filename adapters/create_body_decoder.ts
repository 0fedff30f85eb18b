/**
 * Decodes a tee copy of a compressed response body for the adapters, errors contained: the
 * engine feeds it the body as sent, the adapter's parser gets the decoded bytes.
 */
import zlib from "node:zlib";
import type { Transform } from "node:stream";
import type { Usage } from "../core/mod.ts";

export interface BodyDecoder {
  write(chunk: Uint8Array): void;
  /** Resolves once every decoded chunk was delivered (or decoding failed). */
  end(): Promise<void>;
  /** Set when the body could not be decoded. */
  error(): string | null;
}

function makeStream(encoding: string, first: Uint8Array): Transform | string {
  switch (encoding) {
    case "gzip":
    case "x-gzip":
      return zlib.createGunzip();
    case "br":
      return zlib.createBrotliDecompress();
    case "deflate":
      // Servers send both zlib-wrapped and raw deflate under this name; a zlib header has
      // compression method 8 in the low nibble and a header checksum divisible by 31.
      return first.length >= 2 && (first[0] & 0x0f) === 8 && ((first[0] << 8) | first[1]) % 31 === 0
        ? zlib.createInflate()
        : zlib.createInflateRaw();
    default:
      return `unsupported content-encoding ${JSON.stringify(encoding)}`;
  }
}

/** `onChunk` receives decoded bytes; an unsupported encoding yields no chunks and an error. */
export function createBodyDecoder(
  contentEncoding: string | null,
  onChunk: (chunk: Uint8Array) => void,
): BodyDecoder {
  const encoding = (contentEncoding ?? "").trim().toLowerCase();
  if (encoding === "" || encoding === "identity") {
    return { write: onChunk, end: () => Promise.resolve(), error: () => null };
  }
  let failure: string | null = null;
  let stream: Transform | null = null;
  let settle = () => {};
  const done = new Promise<void>((resolve) => settle = resolve);
  const start = (first: Uint8Array) => {
    const made = makeStream(encoding, first);
    if (typeof made === "string") {
      failure = made;
      settle();
      return;
    }
    stream = made;
    made.on("data", (d: Uint8Array) => {
      if (failure === null) onChunk(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    });
    made.on("error", (e: Error) => {
      failure ??= `cannot decode ${encoding} body: ${e.message}`;
      settle();
    });
    made.on("end", settle);
    made.on("close", settle);
  };
  return {
    write(chunk) {
      if (failure !== null || chunk.length === 0) return;
      if (stream === null) start(chunk);
      stream?.write(chunk);
    },
    end() {
      if (stream === null || failure !== null) settle();
      else stream.end();
      return done;
    },
    error: () => failure,
  };
}

/**
 * The usage of a call whose body could not be decoded (`reason` is `BodyDecoder.error()`):
 * an `incomplete` reading gets `error_type` `decode_error`, which also replaces the
 * `parse_error` of the undecoded bytes it caused. A `complete` reading was read whole before
 * the failure (trailing bytes), and `none` had nothing to read: both stay as they are.
 */
export function markUndecodable(usage: Usage, reason: string): Usage {
  if (usage.completeness !== "incomplete") return usage;
  if (usage.errorType !== null && usage.errorType !== "parse_error") return usage;
  return { ...usage, errorType: "decode_error", errorMessage: reason };
}
