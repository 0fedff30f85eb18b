import { MAX_HEAD_BYTES } from "./parse_request_head.ts";

/**
 * Header the edge adds to a CONNECT it chains to the daemon: `<client port> <edge port>`, the
 * TCP source port of the client's connection and the edge port it reached. The daemon finds
 * the client process from them (docs/PROJECTS.md). Only the edge may set it: a client's own
 * copy is dropped.
 */
export const CLIENT_HEADER = "x-halton-meter-client";

/** The two ports of the client's connection to the edge. */
export interface ClientPorts {
  port: number;
  serverPort: number;
}

const encoder = new TextEncoder();
const NAME = encoder.encode(CLIENT_HEADER);
const LF = 0x0a;
const CR = 0x0d;

/** True when the line at `start` is a header named CLIENT_HEADER (any case, optional spaces before `:`). */
function isOurHeader(head: Uint8Array, start: number, end: number): boolean {
  if (end - start <= NAME.length) return false;
  for (let j = 0; j < NAME.length; j++) {
    let b = head[start + j];
    if (b >= 0x41 && b <= 0x5a) b |= 0x20;
    if (b !== NAME[j]) return false;
  }
  let i = start + NAME.length;
  while (i < end && (head[i] === 0x20 || head[i] === 0x09)) i++;
  return i < end && head[i] === 0x3a;
}

/**
 * The CONNECT head to send to the daemon: `head` (request line, headers and blank line, as the
 * edge's parser accepted them) with every client-sent CLIENT_HEADER line removed and ours added
 * just before the blank line, in the line ending the head uses. Every other byte is kept as is,
 * `Proxy-Authorization` included. Without `client`, or when ours would push the head past
 * `maxBytes` (the daemon would refuse it), the header is only removed. Pure.
 */
export function rewriteChainHead(
  head: Uint8Array,
  client: ClientPorts | null,
  maxBytes = MAX_HEAD_BYTES,
): Uint8Array {
  const kept: Uint8Array[] = [];
  let keptFrom = 0;
  let keptBytes = 0;
  let seenRequestLine = false;
  let blankAt = head.length;
  let crlf = true;
  for (let start = 0; start < head.length;) {
    let nl = head.indexOf(LF, start);
    if (nl < 0) nl = head.length;
    const contentEnd = nl > start && head[nl - 1] === CR ? nl - 1 : nl;
    if (contentEnd === start) {
      // Empty lines before the request line are tolerated; the first one after it ends the head.
      if (seenRequestLine) {
        blankAt = start;
        crlf = contentEnd !== nl;
        break;
      }
    } else if (!seenRequestLine) {
      seenRequestLine = true;
    } else if (isOurHeader(head, start, contentEnd)) {
      kept.push(head.subarray(keptFrom, start));
      keptBytes += start - keptFrom;
      keptFrom = nl + 1;
    }
    start = nl + 1;
  }
  const before = head.subarray(keptFrom, blankAt);
  const tail = head.subarray(blankAt);
  const line = client
    ? encoder.encode(
      `X-Halton-Meter-Client: ${client.port} ${client.serverPort}${crlf ? "\r\n" : "\n"}`,
    )
    : new Uint8Array(0);
  const withLine = keptBytes + before.length + line.length + tail.length;
  const added = withLine <= maxBytes ? line : new Uint8Array(0);
  if (kept.length === 0 && added.length === 0) return head;
  const out = new Uint8Array(keptBytes + before.length + added.length + tail.length);
  let off = 0;
  for (const part of [...kept, before, added, tail]) {
    out.set(part, off);
    off += part.length;
  }
  return out;
}
