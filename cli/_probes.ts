/**
 * Probes shared by `status`, `start`/`stop` and `doctor`: pid liveness, a raw loopback HTTP
 * probe, pid files and the service label of a role. One implementation, so the commands
 * cannot disagree about whether something is up.
 */
import process from "node:process";
import {
  launchdLabel,
  type Role,
  scheduledTaskName,
  type ServiceBackend,
  systemdUnitName,
} from "../setup/mod.ts";

/** What a loopback `GET <path>` got: nothing listening, an HTTP answer, or something else. */
export type HttpProbe =
  | { kind: "refused" }
  | { kind: "answered"; status: number; text: string }
  | { kind: "error"; message: string };

/** The role's name in the service manager, for detail columns and `daemon.label`. */
export function serviceLabel(backend: ServiceBackend | null, role: Role): string {
  switch (backend?.name) {
    case "systemd":
      return systemdUnitName(role);
    case "schtasks":
      return scheduledTaskName(role);
    case "direct":
      return `run/${role}.pid`;
    default:
      return launchdLabel(role);
  }
}

/** Liveness of a pid; a zombie (exited, not yet reaped) counts as dead. */
export function isPidAlive(pid: number): boolean {
  if (Deno.build.os === "linux") {
    try {
      return !/^\d+ \(.*\) [ZX]/.test(Deno.readTextFileSync(`/proc/${pid}/stat`));
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return false;
      // /proc unreadable: fall back to signal 0.
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the pid exists but belongs to someone else.
    return (err as { code?: unknown }).code === "EPERM";
  }
}

/**
 * `GET <path>` on 127.0.0.1:<port> over a raw socket (fetch would honour proxy variables).
 * `headers` are added to the request (the API token for `/v1/*`).
 */
export async function probeHttp(
  port: number,
  path: string,
  timeoutMs = 1000,
  headers: Record<string, string> = {},
  maxChars = 65536,
): Promise<HttpProbe> {
  let conn: Deno.TcpConn;
  try {
    conn = await Deno.connect({ hostname: "127.0.0.1", port });
  } catch (err) {
    if (err instanceof Deno.errors.ConnectionRefused) return { kind: "refused" };
    return { kind: "error", message: String(err) };
  }
  // Closing the socket is what ends a read that never completes.
  const timer = setTimeout(() => {
    try {
      conn.close();
    } catch { /* closed */ }
  }, timeoutMs);
  let text = "";
  try {
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("");
    const req =
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${extra}Connection: close\r\n\r\n`;
    const bytes = new TextEncoder().encode(req);
    let off = 0;
    while (off < bytes.length) off += await conn.write(bytes.subarray(off));
    const buf = new Uint8Array(16384);
    const dec = new TextDecoder();
    while (text.length < maxChars) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += dec.decode(buf.subarray(0, n), { stream: true });
    }
  } catch (err) {
    if (text === "") return { kind: "error", message: String(err) };
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch { /* closed */ }
  }
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
  if (!m) return { kind: "error", message: "not an HTTP answer" };
  return { kind: "answered", status: Number(m[1]), text };
}

/** The `pid` a Halton Meter `/health` body reports, or null when the answer is not ours. */
export function healthPid(probe: HttpProbe, role?: string): number | null {
  if (probe.kind !== "answered" || probe.status !== 200) return null;
  if (role !== undefined && !new RegExp(`"role":\\s*"${role}"`).test(probe.text)) return null;
  const m = /"pid":\s*(\d+)/.exec(probe.text);
  return m ? Number(m[1]) : null;
}

/** The body of an HTTP answer (after the blank line, de-chunked), or "" for anything else. */
export function probeBody(probe: HttpProbe): string {
  if (probe.kind !== "answered") return "";
  const i = probe.text.indexOf("\r\n\r\n");
  if (i < 0) return "";
  const body = probe.text.slice(i + 4);
  if (!/\r\ntransfer-encoding:[ \t]*chunked/i.test(probe.text.slice(0, i))) return body;
  let out = "";
  let at = 0;
  for (;;) {
    const eol = body.indexOf("\r\n", at);
    if (eol < 0) return out;
    const size = parseInt(body.slice(at, eol), 16);
    if (!(size > 0)) return out;
    out += body.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}

/** The `key` object of a 200 `/health` JSON body, or null (no 200, not JSON, or no such object). */
export function healthSection(probe: HttpProbe, key: string): Record<string, unknown> | null {
  if (probe.kind !== "answered" || probe.status !== 200) return null;
  let body: unknown;
  try {
    body = JSON.parse(probeBody(probe));
  } catch {
    return null;
  }
  const section = (body as Record<string, unknown> | null)?.[key];
  return typeof section === "object" && section !== null
    ? section as Record<string, unknown>
    : null;
}

export function readText(path: string): string | null {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return null;
  }
}

export function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

export function readPidFile(path: string): number | null {
  const pid = Number(readText(path)?.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}
