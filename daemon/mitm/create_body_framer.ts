/**
 * Finds where an HTTP/1.1 message body ends without changing a byte of it. Pure: fed the bytes
 * as they arrive, it says how many belong to this body (the rest start the next message) and
 * hands back the payload (de-chunked, zero-copy subarrays) for the metering tee.
 */

export type BodyFraming =
  | { kind: "none" }
  | { kind: "length"; length: number }
  | { kind: "chunked" }
  /** Response without length or chunking: the body ends when the upstream closes. */
  | { kind: "close" };

export interface FramerStep {
  /** Bytes of the input that belong to this body (forward exactly these). */
  used: number;
  /** Payload within those bytes, without chunk framing. */
  payload: Uint8Array[];
  done: boolean;
}

export type FramerResult = FramerStep | { kind: "error"; message: string };

export interface BodyFramer {
  push(bytes: Uint8Array): FramerResult;
  /** True when the body is complete (a close-delimited body completes at EOF). */
  done(): boolean;
}

/** Longest chunk-size line or trailer line accepted, CRLF included. */
const MAX_LINE = 4096;
const MAX_TRAILERS = 65536;

type ChunkState = "size" | "data" | "data-cr" | "data-lf" | "trailer" | "done";

export function createBodyFramer(framing: BodyFraming): BodyFramer {
  if (framing.kind === "none") {
    return { push: () => ({ used: 0, payload: [], done: true }), done: () => true };
  }
  if (framing.kind === "close") {
    return {
      push: (b) => ({ used: b.length, payload: b.length ? [b] : [], done: false }),
      done: () => false,
    };
  }
  if (framing.kind === "length") {
    let left = framing.length;
    return {
      push(b) {
        const n = Math.min(left, b.length);
        left -= n;
        return { used: n, payload: n ? [b.subarray(0, n)] : [], done: left === 0 };
      },
      done: () => left === 0,
    };
  }
  let state: ChunkState = "size";
  let line = "";
  let left = 0;
  let trailerBytes = 0;
  return {
    done: () => state === "done",
    push(b) {
      const payload: Uint8Array[] = [];
      let i = 0;
      while (i < b.length && state !== "done") {
        if (state === "data") {
          const n = Math.min(left, b.length - i);
          payload.push(b.subarray(i, i + n));
          i += n;
          left -= n;
          if (left === 0) state = "data-cr";
          continue;
        }
        const c = b[i++];
        if (state === "data-cr" || state === "data-lf") {
          if (state === "data-cr" && c === 0x0d) state = "data-lf";
          else if (c === 0x0a) state = "size";
          else return { kind: "error", message: "chunk data not followed by CRLF" };
          continue;
        }
        // "size" and "trailer" read lines.
        if (c !== 0x0a) {
          line += String.fromCharCode(c);
          if (line.length > MAX_LINE) {
            return { kind: "error", message: `chunk line exceeds ${MAX_LINE} bytes` };
          }
          if (state === "trailer" && (trailerBytes += 1) > MAX_TRAILERS) {
            return { kind: "error", message: `trailers exceed ${MAX_TRAILERS} bytes` };
          }
          continue;
        }
        const text = line.endsWith("\r") ? line.slice(0, -1) : line;
        line = "";
        if (state === "trailer") {
          if (text === "") state = "done";
          continue;
        }
        const hex = text.split(";", 1)[0].trim();
        if (!/^[0-9a-fA-F]{1,15}$/.test(hex)) {
          return { kind: "error", message: `bad chunk size ${JSON.stringify(hex.slice(0, 20))}` };
        }
        left = parseInt(hex, 16);
        state = left === 0 ? "trailer" : "data";
      }
      return { used: i, payload, done: state === "done" };
    },
  };
}

/** How a request body is framed (RFC 9112 §6.3); an error is answered with 400. */
export function requestFraming(
  headers: ReadonlyArray<readonly [string, string]>,
): BodyFraming | { kind: "error"; message: string } {
  const te = values(headers, "transfer-encoding");
  if (te.length) {
    const codings = te.join(",").split(",").map((s) => s.trim().toLowerCase()).filter(Boolean);
    if (codings.at(-1) !== "chunked") {
      return { kind: "error", message: `request transfer-encoding ${te.join(", ")} not chunked` };
    }
    return { kind: "chunked" };
  }
  const cl = contentLength(headers);
  if (cl === "error") return { kind: "error", message: "invalid or conflicting content-length" };
  return cl === null || cl === 0 ? { kind: "none" } : { kind: "length", length: cl };
}

/** How a response body is framed, given the request method and the status. */
export function responseFraming(
  headers: ReadonlyArray<readonly [string, string]>,
  method: string,
  status: number,
): BodyFraming | { kind: "error"; message: string } {
  if (method === "HEAD" || status < 200 || status === 204 || status === 304) {
    return { kind: "none" };
  }
  const te = values(headers, "transfer-encoding");
  if (te.length) {
    const last = te.join(",").split(",").map((s) => s.trim().toLowerCase()).filter(Boolean).at(-1);
    return last === "chunked" ? { kind: "chunked" } : { kind: "close" };
  }
  const cl = contentLength(headers);
  if (cl === "error") return { kind: "error", message: "invalid or conflicting content-length" };
  return cl === null ? { kind: "close" } : { kind: "length", length: cl };
}

function values(headers: ReadonlyArray<readonly [string, string]>, name: string): string[] {
  const out: string[] = [];
  for (const [k, v] of headers) {
    if (k.length === name.length && k.toLowerCase() === name) out.push(v);
  }
  return out;
}

function contentLength(headers: ReadonlyArray<readonly [string, string]>): number | null | "error" {
  let found: number | null = null;
  for (const v of values(headers, "content-length")) {
    for (const part of v.split(",")) {
      const t = part.trim();
      if (!/^\d{1,15}$/.test(t)) return "error";
      const n = Number(t);
      if (found !== null && found !== n) return "error";
      found = n;
    }
  }
  return found;
}
