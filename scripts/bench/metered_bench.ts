/**
 * `bench metered`: small Anthropic-style HTTPS calls direct to a fake upstream,
 * through Halton Meter (`main.ts up`, client → edge → daemon → upstream) and through
 * mitmdump, in one run on loopback. Measures sequential keep-alive latency,
 * throughput at N concurrent connections, SSE timing, and the daemon's RSS growth.
 */
import type { Bench, BenchContext, BenchOutcome } from "./bench_types.ts";
import { readMachineInfo } from "./machine_info.ts";
import { readProcessCpuSeconds } from "./process_cpu.ts";
import type { MeteredRoute } from "./metered_client.ts";
import {
  measureLatency,
  measureRss,
  measureSse,
  measureThroughput,
  mergeSse,
  readRssKb,
} from "./metered_load.ts";
import {
  METERED_PATHS,
  type MeteredPath,
  type MeteredResult,
  renderMeteredReport,
} from "./metered_report.ts";
import { startHalton, startMitmdump, startUpstream, UPSTREAM_HOST } from "./metered_setup.ts";
import { measurePolicyAb, renderPolicySection } from "./policy_ab.ts";

const USAGE = `bench metered options:
  --requests N       sequential latency requests per path (default 2000)
  --rounds N         interleaved latency rounds (default 4)
  --connections N    concurrent connections for throughput (default 32)
  --seconds S        throughput seconds per path, split over --runs (default 10)
  --runs N           interleaved throughput runs per path (default 2)
  --streams N        SSE streams per path, split over --rounds (default 32)
  --rss-requests N   requests for the daemon RSS run (default 100000)
  --rss-warmup N     requests before the RSS run, to reach the plateau (default 50000)
  --rss-seconds S    time limit of the RSS run (default 120)`;

interface Options {
  requests: number;
  rounds: number;
  connections: number;
  seconds: number;
  runs: number;
  streams: number;
  rssRequests: number;
  rssWarmup: number;
  rssSeconds: number;
}

function parseOptions(args: readonly string[]): Options | string {
  const o: Options = {
    requests: 2000,
    rounds: 4,
    connections: 32,
    seconds: 10,
    runs: 2,
    // TTFB is one sample per stream: 10 streams gave p50s 0.9–3.1 ms apart for one build.
    streams: 32,
    rssRequests: 100_000,
    // The engine's heap and allocator settle after ~45k requests at 8 connections (measured:
    // 138 → 191 MB over the first 50k, then flat to 168k): growth before that is warm-up.
    rssWarmup: 50_000,
    rssSeconds: 120,
  };
  const keys: Record<string, keyof Options> = {
    "--requests": "requests",
    "--rounds": "rounds",
    "--connections": "connections",
    "--seconds": "seconds",
    "--runs": "runs",
    "--streams": "streams",
    "--rss-requests": "rssRequests",
    "--rss-warmup": "rssWarmup",
    "--rss-seconds": "rssSeconds",
  };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split("=", 2);
    const key = keys[flag];
    if (!key) return `unknown option ${args[i]}\n${USAGE}`;
    const raw = inline ?? args[++i];
    const v = Number(raw);
    if (!Number.isFinite(v) || v <= 0) return `${flag} needs a positive number, got ${raw}`;
    o[key] = v;
  }
  return o;
}

function rotate<T>(items: readonly T[], k: number): T[] {
  const s = k % items.length;
  return [...items.slice(s), ...items.slice(0, s)];
}

async function run(ctx: BenchContext): Promise<BenchOutcome> {
  const o = parseOptions(ctx.args);
  if (typeof o === "string") return { kind: "usage-error", message: o };
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  const machine = await readMachineInfo();
  const signal = ctx.scope.signal;

  ctx.log("bench metered: starting fake upstream, halton-meter up, mitmdump");
  const upstream = await startUpstream(ctx.scope);
  const [halton, mitm] = await Promise.all([
    startHalton(ctx.scope, upstream),
    startMitmdump(ctx.scope, upstream),
  ]);
  const idleRssKb = await readRssKb(halton.daemonPid);
  // Busy processes per path, for the CPU columns (share of one core during a run).
  const procs: Record<MeteredPath, Record<string, number>> = {
    direct: { upstream: upstream.pid, client: Deno.pid },
    halton: {
      edge: halton.edgePid,
      daemon: halton.daemonPid,
      upstream: upstream.pid,
      client: Deno.pid,
    },
    mitmdump: { mitmdump: mitm.pid, upstream: upstream.pid, client: Deno.pid },
  };
  // Every path asks for api.anthropic.com (SNI and Host) and so verifies the same name.
  const routes: Record<MeteredPath, MeteredRoute> = {
    direct: { kind: "direct", port: upstream.port, sni: UPSTREAM_HOST, caPem: upstream.ca.caPem },
    // Halton Meter maps api.anthropic.com:443 to the fake upstream with upstream.resolve.
    halton: {
      kind: "proxy",
      proxyPort: halton.edgePort,
      connectTo: `${UPSTREAM_HOST}:443`,
      sni: UPSTREAM_HOST,
      caPem: halton.caPem,
    },
    // mitmdump connects where CONNECT says and forwards the client's SNI, which the
    // test cert (api.anthropic.com + IP 127.0.0.1) satisfies: no /etc/hosts needed.
    mitmdump: {
      kind: "proxy",
      proxyPort: mitm.port,
      connectTo: `127.0.0.1:${upstream.port}`,
      sni: UPSTREAM_HOST,
      caPem: mitm.caPem,
    },
  };

  const latency: Record<MeteredPath, number[]> = { direct: [], halton: [], mitmdump: [] };
  const perRound = Math.ceil(o.requests / o.rounds);
  for (let r = 0; r < o.rounds; r++) {
    for (const p of rotate(METERED_PATHS, r)) {
      ctx.log(`latency round ${r + 1}/${o.rounds}: ${p}`);
      latency[p].push(...await measureLatency(routes[p], 50, perRound, signal));
    }
  }

  const throughput: Record<MeteredPath, number[]> = { direct: [], halton: [], mitmdump: [] };
  const cpu: MeteredResult["cpu"] = { direct: [], halton: [], mitmdump: [] };
  for (let r = 0; r < o.runs; r++) {
    for (const p of rotate(METERED_PATHS, r)) {
      const pids = Object.values(procs[p]);
      const before = await readProcessCpuSeconds(pids);
      const w0 = performance.now();
      const rps = await measureThroughput(routes[p], o.connections, o.seconds / o.runs, signal);
      const after = await readProcessCpuSeconds(pids);
      const wall = (performance.now() - w0) / 1000;
      const shares: Record<string, number> = {};
      for (const [name, pid] of Object.entries(procs[p])) {
        const a = after.get(pid);
        const b = before.get(pid);
        if (a !== undefined && b !== undefined) shares[name] = (a - b) / wall;
      }
      cpu[p].push(shares);
      ctx.log(`throughput run ${r + 1}/${o.runs}: ${p} ${rps.toFixed(0)} req/s`);
      throughput[p].push(rps);
    }
  }

  // Interleaved like latency, so a burst of load hits every path alike.
  const sse = {} as MeteredResult["sse"];
  const streamsPerRound = Math.ceil(o.streams / o.rounds);
  for (let r = 0; r < o.rounds; r++) {
    for (const p of rotate(METERED_PATHS, r)) {
      ctx.log(`sse round ${r + 1}/${o.rounds}: ${p}`);
      const s = await measureSse(routes[p], streamsPerRound, signal);
      sse[p] = sse[p] ? mergeSse(sse[p], s) : s;
    }
  }

  ctx.log(`rss: up to ${o.rssRequests} requests or ${o.rssSeconds} s through Halton Meter`);
  const rss = await measureRss(
    routes.halton,
    halton.daemonPid,
    {
      count: o.rssRequests,
      warmup: o.rssWarmup,
      maxSeconds: o.rssSeconds,
      connections: 8,
    },
    signal,
    ctx.log,
  );

  ctx.log("policy on vs off (also alone: deno task bench policy)");
  const policy = renderPolicySection(
    await measurePolicyAb(ctx.scope, upstream, {
      requests: o.requests,
      rounds: o.rounds,
      connections: o.connections,
      seconds: o.seconds,
      runs: Math.max(2, o.runs),
    }, ctx.log),
  );

  const { report, allMet } = renderMeteredReport({
    startedAt,
    seconds: (performance.now() - t0) / 1000,
    command: ctx.command,
    machine,
    mitmdumpVersion: mitm.version,
    options: {
      latencyRequests: perRound * o.rounds,
      rounds: o.rounds,
      connections: o.connections,
      throughputSeconds: o.seconds / o.runs,
      throughputRuns: o.runs,
      sseStreams: streamsPerRound * o.rounds,
    },
    latency,
    throughput,
    cpu,
    idleRssKb,
    sse,
    rss,
  });
  return {
    kind: "done",
    report: `${report}\n\n${policy.report}`,
    allTargetsMet: allMet && policy.allMet,
  };
}

export const meteredBench: Bench = { usage: USAGE, run };
