import {
  createFileLogger,
  createHostMatcher,
  homePaths,
  listenWithFallback,
  type Logger,
  readEffectivePorts,
  updateEffectivePorts,
  VERSION,
} from "../core/mod.ts";
import { handleConnection } from "./handle_connection.ts";
import { createHealthCache } from "./health_cache.ts";
import { safeClose, writeAll } from "./io.ts";
import { createBufferBudget } from "./pipe.ts";
import { createTunnelRehomer } from "./rehome_tunnels.ts";
import { probeDaemonHealth } from "./probe_daemon_health.ts";
import { readEdgeConfig } from "./read_edge_config.ts";
import { formatAuthority } from "./parse_authority.ts";

export interface RunEdgeOptions {
  home: string;
  /** Aborting stops accepting and drains open tunnels up to the drain deadline. */
  signal: AbortSignal;
  /** Called once listening, with the bound port. */
  onReady?: (port: number) => void;
  echoLogs?: boolean;
}

const BUSY = new TextEncoder().encode(
  "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
);

/** Runs the edge role until `signal` aborts; resolves with the process exit code. */
export async function runEdge(opts: RunEdgeOptions): Promise<number> {
  const paths = homePaths(opts.home);
  Deno.mkdirSync(opts.home, { recursive: true, mode: 0o700 });
  let cfg;
  let log: Logger = createFileLogger({ path: `${paths.logs}/edge.log`, echo: opts.echoLogs });
  try {
    cfg = readEdgeConfig(paths.config);
  } catch (err) {
    log.log("error", (err as Error).message);
    console.error(`halton-meter edge: ${(err as Error).message}`);
    return 78; // EX_CONFIG
  }
  log = createFileLogger({
    path: `${paths.logs}/edge.log`,
    maxBytes: cfg.logMaxBytes,
    echo: opts.echoLogs,
  });
  let bound;
  try {
    bound = listenWithFallback({ port: cfg.port });
  } catch (err) {
    log.log("error", (err as Error).message);
    console.error(`halton-meter edge: ${(err as Error).message}`);
    return 1;
  }
  const listener = bound.listener;
  if (bound.fellBack) {
    log.log("warn", "preferred edge port taken; using the next free one", {
      preferred: cfg.port,
      port: bound.port,
    });
  }
  updateEffectivePorts(paths.effectivePorts, { edge: bound.port });
  Deno.mkdirSync(paths.run, { recursive: true });
  Deno.writeTextFileSync(`${paths.run}/edge.pid`, `${Deno.pid}\n`);

  const matcher = createHostMatcher(cfg.interceptHosts);
  const daemonPort = () => readEffectivePorts(paths.effectivePorts).internal;
  const health = createHealthCache({
    probe: async () => {
      const port = daemonPort();
      if (port === undefined) return false;
      return (await probeDaemonHealth(port)) === "healthy";
    },
  });
  const rehomer = createTunnelRehomer({
    idleMs: cfg.rehomeIdleMs,
    isHealthy: () => health.isHealthy(),
    log: (message, fields) => log.log("info", message, fields),
  });
  // Cheap when nothing is tracked (the common case): no probe, no work.
  const rehoming = setInterval(() => {
    rehomer.sweep().catch((err) =>
      log.log("warn", "re-homing sweep failed", { error: String(err) })
    );
  }, Math.max(100, Math.min(1000, cfg.rehomeIdleMs / 4)));
  Deno.unrefTimer(rehoming);
  const startedAt = Date.now();
  const active = new Set<Deno.Conn>();
  const ctx = {
    isIntercepted: matcher,
    health,
    daemonPort,
    resolve: (t: { host: string; port: number }) =>
      cfg.resolve.get(formatAuthority(t)) ?? { hostname: t.host, port: t.port },
    headTimeoutMs: cfg.headTimeoutMs,
    connectTimeoutMs: cfg.connectTimeoutMs,
    daemonConnectTimeoutMs: cfg.daemonConnectTimeoutMs,
    log,
    buffers: createBufferBudget(),
    rehomer,
    healthBody: () =>
      JSON.stringify({
        status: "ok",
        role: "edge",
        version: VERSION,
        pid: Deno.pid,
        port: bound.port,
        uptime_s: Math.round((Date.now() - startedAt) / 1000),
        connections: active.size,
      }),
  };

  log.log("info", "edge listening", { port: bound.port, pid: Deno.pid, version: VERSION });
  opts.onReady?.(bound.port);

  const stopped = new Promise<void>((resolve) => {
    if (opts.signal.aborted) resolve();
    opts.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  stopped.then(() => {
    try {
      listener.close();
    } catch { /* already closed */ }
  });

  const accepting = (async () => {
    while (true) {
      let conn: Deno.TcpConn;
      try {
        conn = await listener.accept();
      } catch (err) {
        if (opts.signal.aborted || err instanceof Deno.errors.BadResource) return;
        log.log("error", "accept failed", { error: String(err) });
        // Out of file descriptors and similar: back off briefly instead of spinning.
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      if (active.size >= cfg.maxConnections) {
        writeAll(conn, BUSY).catch(() => {}).finally(() => safeClose(conn));
        continue;
      }
      try {
        conn.setNoDelay(true);
      } catch { /* closed already */ }
      active.add(conn);
      handleConnection(conn, ctx).finally(() => active.delete(conn));
    }
  })();

  await stopped;
  clearInterval(rehoming);
  await accepting;
  log.log("info", "edge stopping: draining open tunnels", {
    open: active.size,
    deadline_ms: cfg.drainTimeoutMs,
  });
  const deadline = Date.now() + cfg.drainTimeoutMs;
  while (active.size > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
  }
  if (active.size > 0) {
    log.log("warn", "drain deadline passed; closing remaining tunnels", { open: active.size });
    for (const c of active) safeClose(c);
    // Give the handlers a moment to observe the closes and finish.
    const end = Date.now() + 1000;
    while (active.size > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  }
  try {
    const pidFile = `${paths.run}/edge.pid`;
    if (Deno.readTextFileSync(pidFile).trim() === String(Deno.pid)) Deno.removeSync(pidFile);
  } catch { /* not ours or gone */ }
  log.log("info", "edge stopped");
  return 0;
}
