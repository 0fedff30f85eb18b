import { DEFAULT_PORTS } from "../core/mod.ts";

export interface EdgeConfig {
  port: number;
  resolve: Map<string, { hostname: string; port: number }>;
  interceptHosts: string[];
  headTimeoutMs: number;
  connectTimeoutMs: number;
  daemonConnectTimeoutMs: number;
  drainTimeoutMs: number;
  /** Raw tunnels to metered hosts are closed after this idle time once the daemon is back. */
  rehomeIdleMs: number;
  maxConnections: number;
  logMaxBytes: number;
}

export const EDGE_DEFAULTS = {
  headTimeoutMs: 10_000,
  connectTimeoutMs: 10_000,
  daemonConnectTimeoutMs: 1_000,
  drainTimeoutMs: 10_000,
  rehomeIdleMs: 2_000,
  maxConnections: 4096,
  logMaxBytes: 1024 * 1024,
} as const;

function obj(v: unknown): Record<string, unknown> | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v)
    ? v as Record<string, unknown>
    : undefined;
}

/**
 * Reads the parts of `config.json` the edge needs, with hand-written guards: the
 * edge carries no npm dependency (zod lives in the daemon/CLI, which validate the
 * whole file strictly). Keys the edge does not use are left to them.
 */
export function readEdgeConfig(path: string): EdgeConfig {
  let raw: unknown = {};
  try {
    raw = JSON.parse(Deno.readTextFileSync(path));
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) {
      throw new Error(`Invalid config ${path}: ${(err as Error).message}; fix or move the file`, {
        cause: err,
      });
    }
  }
  const root = obj(raw);
  if (!root) throw new Error(`Invalid config ${path}: expected a JSON object at the top level`);
  const bad = (key: string, expected: string): never => {
    throw new Error(`Invalid config ${path}: "${key}": expected ${expected}`);
  };
  const section = (key: string) => {
    const v = root[key];
    if (v === undefined) return {};
    return obj(v) ?? bad(key, "an object");
  };
  const int = (
    sec: Record<string, unknown>,
    key: string,
    name: string,
    min: number,
    max: number,
    dflt: number,
  ) => {
    const v = sec[key];
    if (v === undefined) return dflt;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
      return bad(name, `an integer from ${min} to ${max}`);
    }
    return v;
  };
  const ports = section("ports");
  const edge = section("edge");
  const upstream = section("upstream");
  const intercept = section("intercept");
  const log = section("log");

  const resolve = new Map<string, { hostname: string; port: number }>();
  const resolveRaw = upstream.resolve === undefined ? {} : obj(upstream.resolve);
  if (!resolveRaw) bad("upstream.resolve", 'an object of "host:port": "host:port"');
  for (const [from, to] of Object.entries(resolveRaw ?? {})) {
    const m = typeof to === "string" ? /^\[?([^\]]+)\]?:(\d{1,5})$/.exec(to) : null;
    if (!m) bad(`upstream.resolve.${from}`, '"host:port", e.g. "127.0.0.1:19443"');
    resolve.set(from.toLowerCase(), { hostname: m![1], port: Number(m![2]) });
  }
  const hosts = intercept.hosts ?? [];
  if (!Array.isArray(hosts) || !hosts.every((h) => typeof h === "string")) {
    bad("intercept.hosts", "an array of host names");
  }
  return {
    port: int(ports, "edge", "ports.edge", 0, 65535, DEFAULT_PORTS.edge),
    resolve,
    interceptHosts: hosts as string[],
    headTimeoutMs: int(
      edge,
      "head_timeout_ms",
      "edge.head_timeout_ms",
      1,
      3_600_000,
      EDGE_DEFAULTS.headTimeoutMs,
    ),
    connectTimeoutMs: int(
      edge,
      "connect_timeout_ms",
      "edge.connect_timeout_ms",
      1,
      3_600_000,
      EDGE_DEFAULTS.connectTimeoutMs,
    ),
    daemonConnectTimeoutMs: int(
      edge,
      "daemon_connect_timeout_ms",
      "edge.daemon_connect_timeout_ms",
      1,
      3_600_000,
      EDGE_DEFAULTS.daemonConnectTimeoutMs,
    ),
    drainTimeoutMs: int(
      edge,
      "drain_timeout_ms",
      "edge.drain_timeout_ms",
      1,
      3_600_000,
      EDGE_DEFAULTS.drainTimeoutMs,
    ),
    rehomeIdleMs: int(
      edge,
      "rehome_idle_ms",
      "edge.rehome_idle_ms",
      0,
      3_600_000,
      EDGE_DEFAULTS.rehomeIdleMs,
    ),
    maxConnections: int(
      edge,
      "max_connections",
      "edge.max_connections",
      1,
      1_000_000,
      EDGE_DEFAULTS.maxConnections,
    ),
    logMaxBytes: int(log, "max_bytes", "log.max_bytes", 4096, 2 ** 40, EDGE_DEFAULTS.logMaxBytes),
  };
}
