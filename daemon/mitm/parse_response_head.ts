/**
 * Parses an upstream HTTP/1.x response head from the bytes received so far. Pure and total: any
 * byte sequence yields a head, "incomplete" or an error (answered to the client as a 502).
 */

export interface ResponseHead {
  version: "HTTP/1.0" | "HTTP/1.1";
  status: number;
  /** Reason phrase as sent (may be empty). */
  reason: string;
  /** Header fields in order, names and values as sent (values trimmed). */
  headers: Array<[string, string]>;
  /** Bytes up to and including the blank line. */
  headLength: number;
}

export type ResponseHeadResult =
  | { kind: "incomplete" }
  | { kind: "head"; head: ResponseHead }
  | { kind: "error"; message: string };

export const MAX_RESPONSE_HEAD_BYTES = 256 * 1024;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// deno-lint-ignore no-control-regex
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;
const latin1 = new TextDecoder("latin1");

export function parseResponseHead(
  buf: Uint8Array,
  maxBytes = MAX_RESPONSE_HEAD_BYTES,
): ResponseHeadResult {
  const limit = Math.min(buf.length, maxBytes);
  let end = -1;
  for (let i = 0; i < limit; i++) {
    if (buf[i] !== 0x0a) continue;
    if (buf[i + 1] === 0x0a) {
      end = i + 2;
      break;
    }
    if (buf[i + 1] === 0x0d && buf[i + 2] === 0x0a) {
      end = i + 3;
      break;
    }
  }
  if (end < 0 || end > maxBytes) {
    return buf.length >= maxBytes
      ? { kind: "error", message: `upstream response head exceeds ${maxBytes} bytes` }
      : { kind: "incomplete" };
  }
  const lines = latin1.decode(buf.subarray(0, end)).split("\n");
  const statusLine = lines[0].endsWith("\r") ? lines[0].slice(0, -1) : lines[0];
  const m = /^(HTTP\/1\.[01]) (\d{3})(?: (.*))?$/.exec(statusLine);
  if (!m) {
    return {
      kind: "error",
      message: `malformed upstream status line ${JSON.stringify(statusLine.slice(0, 80))}`,
    };
  }
  const headers: Array<[string, string]> = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i].endsWith("\r") ? lines[i].slice(0, -1) : lines[i];
    if (line === "") break;
    const colon = line.indexOf(":");
    const name = colon > 0 ? line.slice(0, colon) : "";
    const value = line.slice(colon + 1).trim();
    if (!TOKEN.test(name) || BAD_VALUE.test(value) || line[0] === " " || line[0] === "\t") {
      return {
        kind: "error",
        message: `malformed upstream header line ${JSON.stringify(line.slice(0, 80))}`,
      };
    }
    headers.push([name, value]);
  }
  return {
    kind: "head",
    head: {
      version: m[1] as ResponseHead["version"],
      status: Number(m[2]),
      reason: m[3] ?? "",
      headers,
      headLength: end,
    },
  };
}
