/**
 * How a browser gets into the dashboard without ever holding the API token.
 *
 * `halton-meter dashboard` asks the API (bearer token) for a one-time login code and opens
 * `/dashboard/login?code=...`. The daemon exchanges the code, once and only within its short
 * life, for a session: a random id the browser keeps in an HttpOnly, SameSite=Strict cookie.
 * Codes and sessions live only in this process's memory, stored as SHA-256 digests (a heap dump
 * or a log line shows no usable secret); a daemon restart ends every session.
 */
import { createHash, randomBytes } from "node:crypto";

export interface DashboardAuthOptions {
  /** How long a login code can be exchanged. Default 120 s. */
  codeTtlMs?: number;
  /** How long a session lasts from login. Default 12 h. */
  sessionTtlMs?: number;
  /** Codes waiting to be used at most; minting past it forgets the oldest. Default 16. */
  maxCodes?: number;
  /** Live sessions at most; a login past it ends the oldest. Default 32. */
  maxSessions?: number;
  now?: () => number;
  /** Random bytes (tests make them predictable). */
  random?: (n: number) => Uint8Array;
}

export type CodeExchange =
  | { ok: true; session: string; expiresAt: number }
  | { ok: false; reason: "unknown" | "expired" };

export interface DashboardAuth {
  /** A fresh single-use code and when it stops working. */
  mintCode(): { code: string; expiresAt: number };
  /** Uses up `code` (whatever the outcome) and opens a session when it was valid. */
  exchange(code: string): CodeExchange;
  /** Whether `session` (the cookie's value) is live. */
  check(session: string | undefined): boolean;
  /** Ends a session (logout). */
  revoke(session: string): void;
  readonly sessionTtlMs: number;
}

const digest = (text: string) => createHash("sha256").update(text).digest("base64url");
const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

/** Plausible shape of our codes and session ids: 43 base64url characters (32 bytes). */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export function createDashboardAuth(options: DashboardAuthOptions = {}): DashboardAuth {
  const codeTtl = options.codeTtlMs ?? 120_000;
  const sessionTtl = options.sessionTtlMs ?? 12 * 3_600_000;
  const maxCodes = options.maxCodes ?? 16;
  const maxSessions = options.maxSessions ?? 32;
  const now = options.now ?? Date.now;
  const random = options.random ?? ((n: number) => new Uint8Array(randomBytes(n)));
  /** digest → expiry; Map order is insertion order, so the first entry is the oldest. */
  const codes = new Map<string, number>();
  const sessions = new Map<string, number>();

  function prune(map: Map<string, number>, max: number): void {
    const t = now();
    for (const [k, exp] of map) if (exp <= t) map.delete(k);
    while (map.size > max) map.delete(map.keys().next().value as string);
  }

  return {
    sessionTtlMs: sessionTtl,
    mintCode() {
      const code = b64url(random(32));
      const expiresAt = now() + codeTtl;
      codes.set(digest(code), expiresAt);
      prune(codes, maxCodes);
      return { code, expiresAt };
    },
    exchange(code) {
      if (!TOKEN_SHAPE.test(code)) return { ok: false, reason: "unknown" };
      const key = digest(code);
      const exp = codes.get(key);
      if (exp === undefined) return { ok: false, reason: "unknown" };
      codes.delete(key); // used up, valid or not
      if (exp <= now()) return { ok: false, reason: "expired" };
      const session = b64url(random(32));
      const expiresAt = now() + sessionTtl;
      sessions.set(digest(session), expiresAt);
      prune(sessions, maxSessions);
      return { ok: true, session, expiresAt };
    },
    check(session) {
      if (session === undefined || !TOKEN_SHAPE.test(session)) return false;
      const key = digest(session);
      const exp = sessions.get(key);
      if (exp === undefined) return false;
      if (exp <= now()) {
        sessions.delete(key);
        return false;
      }
      // Looked up by digest: timing says nothing about the secret a lookup compares with.
      return true;
    },
    revoke(session) {
      if (TOKEN_SHAPE.test(session)) sessions.delete(digest(session));
    },
  };
}
