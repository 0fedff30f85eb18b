/** Pure parser for the head of a request on the proxy port (CONNECT or `GET /health`). */
import { CLIENT_HEADER } from "../../edge/mod.ts";

export const MAX_PROXY_HEAD_BYTES = 65536;

export type ProxyHead =
  | { kind: "incomplete" }
  | {
    kind: "connect";
    host: string;
    port: number;
    proxyAuthorization: string | null;
    /** The client connection the edge chained this from (its `X-Halton-Meter-Client`); null when absent or malformed. */
    client: { port: number; serverPort: number } | null;
    /** Bytes after the head (a client that did not wait for the 200). */
    rest: Uint8Array;
  }
  | { kind: "origin"; method: string; path: string }
  | { kind: "error"; status: 400 | 431; message: string };

const CRLFCRLF = [13, 10, 13, 10];

function findHeadEnd(buf: Uint8Array): number {
  outer: for (let i = 0; i + 3 < buf.length; i++) {
    for (let j = 0; j < 4; j++) if (buf[i + j] !== CRLFCRLF[j]) continue outer;
    return i;
  }
  return -1;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Splits "host:port" / "[v6]:port"; null when malformed. */
export function splitHostPort(target: string): { host: string; port: number } | null {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9._-]+)):(\d{1,5})$/.exec(target);
  if (!m) return null;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return null;
  return { host: (m[1] ?? m[2]).toLowerCase(), port };
}

/** `<client port> <server port>`, both 1..65535; null otherwise. */
function parseClientPorts(value: string): { port: number; serverPort: number } | null {
  const m = /^(\d{1,5}) (\d{1,5})$/.exec(value);
  if (!m) return null;
  const port = Number(m[1]);
  const serverPort = Number(m[2]);
  if (port < 1 || port > 65535 || serverPort < 1 || serverPort > 65535) return null;
  return { port, serverPort };
}

/** Parses what has arrived so far; call again with more bytes while `incomplete`. */
export function parseProxyHead(buf: Uint8Array): ProxyHead {
  const end = findHeadEnd(buf.subarray(0, MAX_PROXY_HEAD_BYTES + 4));
  if (end < 0) {
    if (buf.length > MAX_PROXY_HEAD_BYTES) {
      return {
        kind: "error",
        status: 431,
        message: `Cannot parse proxy request: header block exceeds ${MAX_PROXY_HEAD_BYTES} bytes`,
      };
    }
    return { kind: "incomplete" };
  }
  const text = new TextDecoder("latin1").decode(buf.subarray(0, end));
  const lines = text.split("\r\n");
  const bad = (why: string): ProxyHead => ({
    kind: "error",
    status: 400,
    message: `Cannot parse proxy request: ${why}`,
  });
  const reqLine = /^([A-Z]+) (\S+) HTTP\/1\.[01]$/.exec(lines[0]);
  if (!reqLine) return bad(`malformed request line ${JSON.stringify(lines[0].slice(0, 100))}`);
  let proxyAuthorization: string | null = null;
  const clientValues: string[] = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon <= 0 || !TOKEN.test(line.slice(0, colon))) {
      return bad(`malformed header line ${JSON.stringify(line.slice(0, 100))}`);
    }
    const name = line.slice(0, colon).toLowerCase();
    if (name === "proxy-authorization") {
      proxyAuthorization = line.slice(colon + 1).trim();
    } else if (name === CLIENT_HEADER) {
      clientValues.push(line.slice(colon + 1).trim());
    }
  }
  // The edge sends exactly one; anything else is not the edge's and is ignored.
  const client = clientValues.length === 1 ? parseClientPorts(clientValues[0]) : null;
  const [, method, target] = reqLine;
  if (method === "CONNECT") {
    const hp = splitHostPort(target);
    if (!hp) return bad(`CONNECT target ${JSON.stringify(target.slice(0, 100))} is not host:port`);
    return { kind: "connect", ...hp, proxyAuthorization, client, rest: buf.slice(end + 4) };
  }
  return { kind: "origin", method, path: target };
}
