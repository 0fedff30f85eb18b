import { cleanProject } from "./_clean_project.ts";

/** Where a call's project came from. */
export interface ProjectAttribution<Source extends string> {
  project: string;
  source: Source;
}

/** Longest `Proxy-Authorization` value considered; a real one is far shorter. */
const MAX_HEADER_CHARS = 2048;

/**
 * The project named in `Proxy-Authorization: Basic base64(user:password)`: the user
 * part. Tools accept a proxy URL with credentials (`HTTPS_PROXY=http://myapp:x@…`),
 * which is the one way to tag their traffic without changing them. The password is
 * ignored and never kept. Null for anything else (other schemes, bad base64, bytes
 * that are not UTF-8, names refused by the project rules in `_clean_project.ts`).
 */
export function projectFromProxyAuth(
  headerValue: string | null,
): ProjectAttribution<"proxy_auth"> | null {
  if (headerValue === null || headerValue.length > MAX_HEADER_CHARS) return null;
  const match = /^\s*basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(headerValue);
  if (!match) return null;
  let decoded: string;
  try {
    const binary = atob(match[1]);
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    decoded = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
  const colon = decoded.indexOf(":");
  const project = cleanProject(colon === -1 ? decoded : decoded.slice(0, colon));
  return project === null ? null : { project, source: "proxy_auth" };
}
