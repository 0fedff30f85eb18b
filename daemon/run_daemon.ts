import { loadConfig } from "../config/mod.ts";
import {
  bindWithFallback,
  createFileLogger,
  createHostMatcher,
  DEFAULT_PORTS,
  homePaths,
  type Logger,
  readEffectivePorts,
  SELF_TEST_HOST,
  updateEffectivePorts,
  VERSION,
} from "../core/mod.ts";
import { createApi, ensureApiToken } from "./api/mod.ts";
import { createProcessAttributor, projectFromProxyAuth } from "./attribution/mod.ts";
import {
  CaError,
  createLeafIssuer,
  ensureCa,
  readSystemRoots,
  writeCaBundle,
} from "./certs/mod.ts";
import { createCallFeed, createDashboard, createDashboardAuth } from "./dashboard/mod.ts";
import { createMeter } from "./meter/mod.ts";
import { createMitmServer } from "./mitm/mod.ts";
import {
  budgetSpendWhere,
  createDesktopNotifier,
  createPolicyEngine,
  spawnDetached,
} from "./policy/mod.ts";
import { createReportWorker, openStore, type ReportQuery } from "./store/mod.ts";
import { startExport } from "./export/mod.ts";
import tls from "node:tls";

export interface RunDaemonOptions {
  home: string;
  signal: AbortSignal;
  onReady?: (ports: { internal: number; api: number }) => void;
  echoLogs?: boolean;
  now?: () => number;
  /**
   * The program's entry module (`import.meta.url` of main.ts or of the bundle built from it):
   * the process-lookup worker runs it. Without it, lookups run on the daemon's thread.
   */
  entryModule?: string;
}

/** A daemon started this soon after `stop` wrote the sentinel stays down (service managers restart eagerly). */
export const GRACEFUL_STOP_WINDOW_MS = 30_000;

function hostName(): string {
  try {
    return Deno.hostname();
  } catch {
    return "unknown";
  }
}

function fail(log: Logger, message: string): number {
  log.log("error", message);
  console.error(`halton-meter daemon: ${message}`);
  return 1;
}

/** Runs the daemon role until `signal` aborts; resolves with the exit code. */
export async function runDaemon(opts: RunDaemonOptions): Promise<number> {
  const now = opts.now ?? Date.now;
  // In apps mode our own proxy variables are in every environment, ours included: the
  // daemon must reach providers directly, never loop back through the edge.
  for (const name of ["HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NODE_USE_ENV_PROXY"]) {
    Deno.env.delete(name);
    Deno.env.delete(name.toLowerCase());
  }
  const paths = homePaths(opts.home);
  Deno.mkdirSync(opts.home, { recursive: true, mode: 0o700 });
  let log: Logger = createFileLogger({ path: `${paths.logs}/daemon.log`, echo: opts.echoLogs });
  const loaded = loadConfig(paths.config);
  if (!loaded.ok) {
    fail(log, loaded.message);
    return 78;
  }
  const config = loaded.config;
  log = createFileLogger({
    path: `${paths.logs}/daemon.log`,
    maxBytes: config.log?.max_bytes,
    echo: opts.echoLogs,
  });

  try {
    const since = now() - Deno.statSync(paths.gracefulStop).mtime!.getTime();
    if (since >= 0 && since < GRACEFUL_STOP_WINDOW_MS) {
      log.log("info", "graceful-stop sentinel is fresh: staying down", { age_ms: since });
      return 0;
    }
  } catch { /* no sentinel */ }

  let ca;
  try {
    ca = await ensureCa(opts.home);
  } catch (err) {
    return fail(log, err instanceof CaError ? err.message : `CA setup failed: ${String(err)}`);
  }
  const roots = await readSystemRoots();
  const rootsPem = roots.kind === "found" ? roots.pem : tls.rootCertificates.join("\n");
  try {
    await writeCaBundle(opts.home, rootsPem);
  } catch (err) {
    log.log("warn", "could not write the combined CA bundle", { error: String(err) });
  }
  const issuer = createLeafIssuer(ca);
  const upstreamCa: string[] = [];
  if (config.upstream?.ca_file) {
    try {
      upstreamCa.push(Deno.readTextFileSync(config.upstream.ca_file));
    } catch (err) {
      return fail(
        log,
        `Cannot read upstream.ca_file ${config.upstream.ca_file} from ${paths.config}: ${
          (err as Error).message
        }`,
      );
    }
  }
  const token = await ensureApiToken(opts.home);
  // Committed rows go to open dashboards from the writer's timer, never from a call's path.
  const feed = createCallFeed();
  const store = openStore({
    path: paths.db,
    spoolPath: paths.spool,
    spoolReserveBytes: config.store?.spool_reserve_bytes,
    queueCap: config.store?.memory_queue_rows,
    deps: {
      log: (m) => log.log("warn", m),
      onWritten: (rows) => feed.publish(rows),
      // With no dashboard open, written rows are not converted for it at all.
      wantsWritten: () => feed.hasClients(),
    },
  });
  const startedAt = now();
  // Exporters read the store on their own schedule; nothing of theirs is on a call's path.
  // Export works in the gaps between calls; the interception server comes later.
  let callsInFlight = () => false;
  const exports = startExport({
    home: opts.home,
    config,
    env: (name) => Deno.env.get(name),
    store,
    version: VERSION,
    startedAt,
    now,
    log: (level, message) => log.log(level, message),
    hostName: hostName(),
    busy: () => callsInFlight(),
  });
  // Our processes are never the client; the edge holds a socket per open tunnel. Its pid file
  // is read again after a few seconds (a restarted edge).
  let own = { pids: [Deno.pid], at: -Infinity };
  const ownPids = () => {
    if (now() - own.at < 5000) return own.pids;
    const pids = [Deno.pid];
    try {
      const edge = Number(Deno.readTextFileSync(`${paths.run}/edge.pid`).trim());
      if (Number.isInteger(edge) && edge > 0) pids.push(edge);
    } catch { /* no edge pid file */ }
    own = { pids, at: now() };
    return pids;
  };
  const attributor = createProcessAttributor({ log, ownPids, workerModule: opts.entryModule });
  const policyLog = log;
  const policy = createPolicyEngine({
    path: paths.policy,
    now,
    log: (level, message, fields) => policyLog.log(level, message, fields),
    loadBuckets: (budget, since) => {
      // Rows still queued in memory must be in the database before it is read.
      store.flush();
      return store.spendBuckets({ since, where: budgetSpendWhere(budget) });
    },
    loadRateLimits: (since) => store.rateLimitRows(since),
    notify: createDesktopNotifier({
      os: Deno.build.os,
      spawn: spawnDetached,
      log: (m) => policyLog.log("warn", `policy: ${m}`),
    }),
  });
  // The observer sees as much of a request body as the decision step buffers (default 1 MiB).
  const maxRequestBodyBytes = config.daemon?.max_request_body_bytes ?? 1024 * 1024;
  const meter = createMeter({
    enqueue: (r) => {
      store.enqueue(r);
      policy.record(r);
    },
    log,
    now,
    maxRequestBodyBytes,
    policy,
    processProject: (connection) => attributor.projectFor(connection),
    knownProcessProject: (connection) => attributor.known(connection),
  });
  const resolveMap = new Map<string, { host: string; port: number }>();
  for (const [from, to] of Object.entries(config.upstream?.resolve ?? {})) {
    const i = to.lastIndexOf(":");
    resolveMap.set(from.toLowerCase(), {
      host: to.slice(0, i).replace(/^\[|\]$/g, ""),
      port: Number(to.slice(i + 1)),
    });
  }
  let ports = { internal: 0, api: 0 };
  const mitm = createMitmServer({
    shouldIntercept: createHostMatcher(config.intercept?.hosts ?? []),
    getCertificate: (host: string) => issuer.get(host),
    resolve: (hostPort: string) => {
      const hit = resolveMap.get(hostPort.toLowerCase());
      if (hit) return hit;
      const i = hostPort.lastIndexOf(":");
      return {
        host: hostPort.slice(0, i).replace(/^\[|\]$/g, ""),
        port: Number(hostPort.slice(i + 1)),
      };
    },
    upstreamCa,
    // The process lookup starts with the connection, while the client is surely still there;
    // a call that names its project needs none.
    onConnection: (connection, connect) => {
      if (connect.host.replace(/\.$/, "") === SELF_TEST_HOST) return;
      if (projectFromProxyAuth(connect.proxyAuthorization) !== null) return;
      void attributor.projectFor(connection);
    },
    onCall: meter,
    maxRequestBodyBytes,
    now,
    health: () => ({
      status: "ok",
      role: "daemon",
      pid: Deno.pid,
      store: store.state().state,
      policy: policy.state().state,
    }),
    log: (level, message, fields) =>
      log.log(level, `mitm: ${message}`, fields as Record<string, string | number | boolean>),
  });
  callsInFlight = () => mitm.activeExchanges() > 0;

  // Reports (the dashboard, /v1/report) run on a worker with a read connection of its own: a
  // month of roll-ups read for a dashboard never stalls the calls on this thread.
  const reports = opts.entryModule
    ? createReportWorker({
      entryModule: opts.entryModule,
      path: paths.db,
      busyTimeoutMs: 2_000,
      fallback: (q) => store.report(q),
      log: (m) => log.log("warn", m),
    })
    : null;
  const reportsFn = reports ? (q: ReportQuery) => reports.report(q) : undefined;

  let api: Deno.HttpServer<Deno.NetAddr>;
  try {
    const internal = await bindWithFallback(
      config.ports?.internal ?? DEFAULT_PORTS.internal,
      (p) => mitm.listen(p, "127.0.0.1"),
    );
    const app = createApi({
      store,
      token,
      version: VERSION,
      startedAt,
      pid: Deno.pid,
      ports: () => ({
        edge: readEffectivePorts(paths.effectivePorts).edge ?? 0,
        internal: ports.internal,
        api: ports.api,
      }),
      log: (m) => log.log("error", `api: ${m}`),
      policy,
      reports: reportsFn,
      reportStats: reports ? () => reports.stats() : undefined,
      dashboard: createDashboard({
        auth: createDashboardAuth({ now }),
        feed,
        store,
        policy,
        now,
        reports: reportsFn,
      }),
      metrics: () => exports.prometheus(store.state()),
      exportState: () => exports.state(),
    });
    api = await bindWithFallback(
      config.ports?.api ?? DEFAULT_PORTS.api,
      (p) => Deno.serve({ hostname: "127.0.0.1", port: p, onListen() {} }, app.fetch),
    );
    ports = { internal: internal.port, api: api.addr.port };
  } catch (err) {
    await mitm.close(0).catch(() => {});
    await exports.close();
    policy.close();
    attributor.close();
    await reports?.close();
    await store.close();
    return fail(log, `cannot listen: ${(err as Error).message}`);
  }
  updateEffectivePorts(paths.effectivePorts, ports);
  Deno.mkdirSync(paths.run, { recursive: true });
  Deno.writeTextFileSync(`${paths.run}/daemon.pid`, `${Deno.pid}\n`);
  log.log("info", "daemon listening", { ...ports, pid: Deno.pid, version: VERSION });
  opts.onReady?.(ports);

  await new Promise<void>((resolve) => {
    if (opts.signal.aborted) resolve();
    opts.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  log.log("info", "daemon stopping");
  await mitm.close(config.daemon?.drain_timeout_ms ?? 10_000);
  await meter.settled(); // rows still waiting for their process project
  attributor.close();
  feed.close(); // open event streams would keep the server from shutting down
  await api.shutdown();
  await exports.close();
  policy.close();
  await reports?.close();
  await store.close();
  try {
    const pidFile = `${paths.run}/daemon.pid`;
    if (Deno.readTextFileSync(pidFile).trim() === String(Deno.pid)) Deno.removeSync(pidFile);
  } catch { /* not ours */ }
  log.log("info", "daemon stopped");
  return 0;
}
