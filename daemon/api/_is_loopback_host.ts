const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * True when a `Host` header (`name` or `name:port`) names this machine's loopback.
 * A DNS-rebinding page reaches 127.0.0.1 under its own name (`evil.com`,
 * `127.0.0.1.evil.com`), so only these exact names pass; anything unparsable fails.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase();
  let name: string;
  let rest: string;
  if (h.startsWith("[")) {
    const end = h.indexOf("]");
    if (end < 0) return false;
    name = h.slice(0, end + 1);
    rest = h.slice(end + 1);
  } else {
    const colon = h.indexOf(":");
    name = colon < 0 ? h : h.slice(0, colon);
    rest = colon < 0 ? "" : h.slice(colon);
  }
  if (rest !== "" && !/^:\d{1,5}$/.test(rest)) return false;
  return LOOPBACK.has(name);
}
