/** Largest request head the edge accepts (request line + headers + blank line). */
export const MAX_HEAD_BYTES = 65536;

export interface RequestHead {
  method: string;
  target: string;
  version: "HTTP/1.0" | "HTTP/1.1";
  /** Header fields in order, names as sent. */
  headers: Array<[string, string]>;
  /** Bytes up to and including the blank line; what follows belongs to the body or tunnel. */
  headLength: number;
}

export type HeadParseResult =
  | { kind: "incomplete" }
  | { kind: "request"; head: RequestHead }
  | { kind: "error"; status: 400 | 431 | 505; reason: string };

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Field values: visible ASCII, space, tab and obs-text; no other control bytes.
// deno-lint-ignore no-control-regex
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;

function findHeadEnd(buf: Uint8Array, limit: number): number {
  // Returns the index just past "\r\n\r\n" (or a lenient "\n\n"), or -1.
  for (let i = 0; i < limit; i++) {
    if (buf[i] !== 0x0a) continue;
    if (buf[i + 1] === 0x0a) return i + 2;
    if (buf[i + 1] === 0x0d && buf[i + 2] === 0x0a) return i + 3;
  }
  return -1;
}

/**
 * Parses an HTTP/1.x proxy request head from the bytes received so far.
 * Pure and total: any byte sequence yields a request, "incomplete", or a
 * classified error with the status the edge should answer.
 */
export function parseRequestHead(buf: Uint8Array, maxBytes = MAX_HEAD_BYTES): HeadParseResult {
  if (buf.length === 0) return { kind: "incomplete" };
  if (buf[0] === 0x16) {
    return {
      kind: "error",
      status: 400,
      reason: "received a TLS handshake: the proxy URL must be http://, not https://",
    };
  }
  const end = findHeadEnd(buf, Math.min(buf.length, maxBytes + 1));
  if (end < 0 || end > maxBytes) {
    if (buf.length > maxBytes || end > maxBytes) {
      return { kind: "error", status: 431, reason: `header block exceeds ${maxBytes} bytes` };
    }
    return { kind: "incomplete" };
  }
  // latin1 keeps every byte as one char, so lengths and obs-text survive.
  const text = new TextDecoder("latin1").decode(buf.subarray(0, end));
  const lines = text.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  // Tolerate leading empty lines (RFC 9112 §2.2).
  let first = 0;
  while (first < lines.length && lines[first] === "") first++;
  const requestLine = lines[first] ?? "";
  const parts = requestLine.split(" ");
  if (parts.length !== 3) {
    return { kind: "error", status: 400, reason: "malformed request line" };
  }
  const [method, target, version] = parts;
  if (!TOKEN.test(method)) return { kind: "error", status: 400, reason: "malformed method" };
  // deno-lint-ignore no-control-regex
  if (target === "" || /[\x00-\x20\x7f]/.test(target)) {
    return { kind: "error", status: 400, reason: "malformed request target" };
  }
  if (version === "HTTP/2.0" || version === "HTTP/2") {
    return { kind: "error", status: 505, reason: "HTTP/2 is not supported on the proxy port" };
  }
  if (version !== "HTTP/1.1" && version !== "HTTP/1.0") {
    return { kind: "error", status: 400, reason: "malformed HTTP version" };
  }
  const headers: Array<[string, string]> = [];
  for (let i = first + 1; i < lines.length; i++) {
    const line = lines[i];
    if (line === "") break;
    if (line[0] === " " || line[0] === "\t") {
      return { kind: "error", status: 400, reason: "obsolete header line folding" };
    }
    const colon = line.indexOf(":");
    if (colon <= 0) return { kind: "error", status: 400, reason: "malformed header line" };
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) return { kind: "error", status: 400, reason: "malformed header name" };
    const value = line.slice(colon + 1).trim();
    if (BAD_VALUE.test(value)) {
      return { kind: "error", status: 400, reason: "control character in header value" };
    }
    headers.push([name, value]);
  }
  return { kind: "request", head: { method, target, version, headers, headLength: end } };
}

/** First value of a header, case-insensitive. */
export function headerValue(head: RequestHead, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of head.headers) if (k.toLowerCase() === lower) return v;
  return undefined;
}
