/** Removes hop-by-hop headers from a flat rawHeaders list, keeping order and case. */

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authorization",
  "proxy-authenticate",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/**
 * `extra` names more headers to drop (e.g. `expect`, which the engine's own HTTP server already
 * answered). Headers listed in `Connection` are dropped too (RFC 9110 §7.6.1).
 */
export function stripHopByHop(raw: readonly string[], extra: readonly string[] = []): string[] {
  const drop = new Set(HOP_BY_HOP);
  for (const name of extra) drop.add(name.toLowerCase());
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i].toLowerCase() !== "connection") continue;
    for (const token of raw[i + 1].split(",")) {
      const t = token.trim().toLowerCase();
      if (t) drop.add(t);
    }
  }
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (!drop.has(raw[i].toLowerCase())) out.push(raw[i], raw[i + 1]);
  }
  return out;
}

/** Builds a Headers object from a flat rawHeaders list; invalid values are skipped, never thrown. */
export function headersFromRaw(raw: readonly string[]): Headers {
  const h = new Headers();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    try {
      h.append(raw[i], raw[i + 1]);
    } catch {
      // A header value Headers refuses (non-ByteString) must not break metering or forwarding.
    }
  }
  return h;
}

/**
 * Serializes header pairs for forwarding ("Name: value\r\n" each, names and order kept), without
 * hop-by-hop headers. `transfer-encoding` is kept: the engine forwards body framing verbatim.
 */
export function forwardedHeaderLines(
  pairs: ReadonlyArray<readonly [string, string]>,
  extra: readonly string[] = [],
): string {
  let drop: Set<string> | null = null;
  for (const [k, v] of pairs) {
    if (k.length !== 10 || k.toLowerCase() !== "connection") continue;
    drop ??= new Set();
    for (const token of v.split(",")) {
      const t = token.trim().toLowerCase();
      if (t && t !== "transfer-encoding" && t !== "content-length") drop.add(t);
    }
  }
  let out = "";
  for (const [k, v] of pairs) {
    const lower = k.toLowerCase();
    if (lower !== "transfer-encoding" && HOP_BY_HOP.has(lower)) continue;
    if (drop?.has(lower) || extra.includes(lower)) continue;
    out += `${k}: ${v}\r\n`;
  }
  return out;
}

/** Builds a Headers object from header pairs; invalid values are skipped, never thrown. */
export function headersFromPairs(pairs: ReadonlyArray<readonly [string, string]>): Headers {
  const h = new Headers();
  for (const [k, v] of pairs) {
    try {
      h.append(k, v);
    } catch {
      // A header value Headers refuses must not break metering or forwarding.
    }
  }
  return h;
}
