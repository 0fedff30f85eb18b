import { isIPv4, isIPv6 } from "node:net";

/** A certificate subject name, normalized: what goes into the SAN and the cache key. */
export type LeafHost =
  | { kind: "dns"; name: string }
  | { kind: "ip"; name: string; bytes: Uint8Array };

const MAX_DNS_NAME = 253;
// Underscores are not valid in hostnames but do occur in real DNS names clients connect to.
const DNS_LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/**
 * Lower-cases and validates a host name or IP literal for a leaf certificate.
 * Accepts `[v6]` brackets and one trailing dot; rejects anything a certificate SAN cannot
 * carry, with a message naming the value.
 */
export function normalizeHost(input: string): LeafHost {
  let host = input.trim().toLowerCase();
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  if (host.endsWith(".")) host = host.slice(0, -1);
  if (host === "") {
    throw new Error(
      `Cannot issue a certificate for an empty host name (got ${
        JSON.stringify(input)
      }); pass the SNI or CONNECT host`,
    );
  }
  if (isIPv4(host)) return { kind: "ip", name: host, bytes: ipv4Bytes(host) };
  if (isIPv6(host)) {
    if (host.includes("%")) {
      throw new Error(
        `Cannot issue a certificate for ${
          JSON.stringify(input)
        }: IPv6 zone ids cannot appear in a certificate; use the address without %zone`,
      );
    }
    return { kind: "ip", name: host, bytes: ipv6Bytes(host) };
  }
  const labels = host.split(".");
  if (host.length > MAX_DNS_NAME || !labels.every((label) => DNS_LABEL.test(label))) {
    throw new Error(
      `Cannot issue a certificate for ${
        JSON.stringify(input)
      }: not a valid DNS name or IP literal; use ASCII labels (punycode for IDNs) of at most 63 characters`,
    );
  }
  return { kind: "dns", name: host };
}

function ipv4Bytes(ip: string): Uint8Array {
  return Uint8Array.from(ip.split("."), (part) => Number.parseInt(part, 10));
}

/** Parses an IPv6 literal already validated by `isIPv6` (handles `::` and an IPv4 tail). */
function ipv6Bytes(ip: string): Uint8Array {
  const groups = (part: string): number[] => {
    if (part === "") return [];
    const out: number[] = [];
    for (const piece of part.split(":")) {
      if (piece.includes(".")) {
        const [a, b, c, d] = ipv4Bytes(piece);
        out.push((a << 8) | b, (c << 8) | d);
      } else {
        out.push(Number.parseInt(piece, 16));
      }
    }
    return out;
  };
  const [head, tail] = ip.split("::");
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const words = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const bytes = new Uint8Array(16);
  words.forEach((word, i) => {
    bytes[2 * i] = word >> 8;
    bytes[2 * i + 1] = word & 0xff;
  });
  return bytes;
}
