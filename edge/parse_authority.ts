export interface Authority {
  host: string;
  port: number;
}

export type AuthorityResult = { ok: true; value: Authority } | { ok: false; reason: string };

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_-]{1,63})*\.?$/;
const IPV6 = /^[0-9A-Fa-f:.]+$/;

/**
 * Parses `host:port` (a CONNECT target, or a URL authority with a default port).
 * IPv6 literals must be bracketed. Host names are lower-cased.
 */
export function parseAuthority(input: string, defaultPort?: number): AuthorityResult {
  let host: string;
  let portText: string | undefined;
  if (input.startsWith("[")) {
    const close = input.indexOf("]");
    if (close < 0) return { ok: false, reason: "unterminated IPv6 literal" };
    host = input.slice(1, close);
    const rest = input.slice(close + 1);
    if (rest !== "" && !rest.startsWith(":")) {
      return { ok: false, reason: "junk after IPv6 literal" };
    }
    portText = rest === "" ? undefined : rest.slice(1);
    if (!IPV6.test(host) || !host.includes(":")) return { ok: false, reason: "bad IPv6 literal" };
  } else {
    const colon = input.lastIndexOf(":");
    if (colon >= 0 && input.indexOf(":") !== colon) {
      return { ok: false, reason: "IPv6 address must be in brackets" };
    }
    host = colon >= 0 ? input.slice(0, colon) : input;
    portText = colon >= 0 ? input.slice(colon + 1) : undefined;
    if (!HOSTNAME.test(host)) return { ok: false, reason: "bad host name" };
    host = host.toLowerCase();
  }
  let port: number;
  if (portText === undefined) {
    if (defaultPort === undefined) return { ok: false, reason: "missing port" };
    port = defaultPort;
  } else {
    if (!/^\d{1,5}$/.test(portText)) return { ok: false, reason: "bad port" };
    port = Number(portText);
    if (port < 1 || port > 65535) return { ok: false, reason: "port out of range" };
  }
  return { ok: true, value: { host, port } };
}

export function formatAuthority(a: Authority): string {
  return a.host.includes(":") ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
