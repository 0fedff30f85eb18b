/**
 * `bench edge`: the edge's raw CONNECT tunnel against a direct connection and
 * HAProxy (TCP mode), side by side in one run on loopback:
 *   - throughput: one stream of --bytes per run, runs interleaved across paths;
 *   - set-up latency: connect start → first byte from the target, sequential
 *     connections in interleaved rounds after a warm-up.
 * Writes the `edge` section of docs/BENCHMARKS.md and prints the same markdown.
 */
import type { Bench, BenchContext, BenchOutcome } from "./bench_types.ts";
import { EDGE_USAGE, type EdgeBenchOptions, parseEdgeOptions } from "./edge_options.ts";
import { defaultEnsureHaproxyDeps, ensureHaproxy } from "./ensure_haproxy.ts";
import { readMachineInfo } from "./machine_info.ts";
import { measureSetupLatency } from "./measure_setup_latency.ts";
import { measureThroughput } from "./measure_throughput.ts";
import { readProcessCpuSeconds } from "./process_cpu.ts";
import {
  type EdgeBenchResult,
  evaluateTargets,
  type PathName,
  renderEdgeReport,
  type ThroughputRun,
} from "./render_edge_report.ts";
import type { Route } from "./route.ts";
import { startEdge } from "./start_edge.ts";
import { startHaproxy } from "./start_haproxy.ts";
import { startSource } from "./start_source.ts";

interface PathUnderTest {
  name: PathName;
  /** The proxy's pid for CPU accounting; null for direct. */
  proxyPid: number | null;
  bulk: Route;
  banner: Route;
}

/** Rotates `items` by `k`, so no path always runs first (or right after another). */
function rotate<T>(items: readonly T[], k: number): T[] {
  const s = k % items.length;
  return [...items.slice(s), ...items.slice(0, s)];
}

function cpuShare(
  pid: number | null,
  before: Map<number, number>,
  after: Map<number, number>,
  seconds: number,
): number | null {
  const b = pid === null ? undefined : before.get(pid);
  const a = pid === null ? undefined : after.get(pid);
  return a === undefined || b === undefined ? null : (a - b) / seconds;
}

async function runLatency(
  paths: PathUnderTest[],
  o: EdgeBenchOptions,
  ctx: BenchContext,
): Promise<Record<PathName, number[]>> {
  const guard = { signal: ctx.scope.signal, timeoutMs: 10_000 };
  const samples: Record<PathName, number[]> = { direct: [], edge: [], haproxy: [] };
  if (o.warmup > 0) {
    ctx.log(`bench edge: set-up latency warm-up, ${o.warmup} connections per path`);
    for (const p of paths) await measureSetupLatency(p.banner, o.warmup, guard);
  }
  for (let r = 0; r < o.rounds; r++) {
    const count = Math.floor(o.connections / o.rounds) + (r < o.connections % o.rounds ? 1 : 0);
    for (const p of rotate(paths, r)) {
      samples[p.name].push(...await measureSetupLatency(p.banner, count, guard));
    }
    ctx.log(`bench edge: set-up latency round ${r + 1}/${o.rounds} done`);
  }
  return samples;
}

async function runThroughput(
  paths: PathUnderTest[],
  sourcePid: number,
  o: EdgeBenchOptions,
  ctx: BenchContext,
): Promise<Record<PathName, ThroughputRun[]>> {
  const runs: Record<PathName, ThroughputRun[]> = { direct: [], edge: [], haproxy: [] };
  const buffer = new Uint8Array(1 << 20);
  // Generous: even 20 MB/s moves 1 GiB in under a minute.
  const timeoutMs = Math.max(60_000, o.bytes / 20_000);
  for (let r = 0; r < o.runs; r++) {
    for (const p of rotate(paths, r)) {
      const pids = [sourcePid, Deno.pid, ...(p.proxyPid === null ? [] : [p.proxyPid])];
      const cpu0 = await readProcessCpuSeconds(pids);
      const s = await measureThroughput(p.bulk, o.bytes, {
        signal: ctx.scope.signal,
        timeoutMs,
        buffer,
      });
      const cpu1 = await readProcessCpuSeconds(pids);
      runs[p.name].push({
        rate: s.rate,
        seconds: s.seconds,
        cpu: {
          proxy: cpuShare(p.proxyPid, cpu0, cpu1, s.seconds),
          source: cpuShare(sourcePid, cpu0, cpu1, s.seconds),
          client: cpuShare(Deno.pid, cpu0, cpu1, s.seconds),
        },
      });
      ctx.log(
        `bench edge: throughput run ${r + 1}/${o.runs} ${p.name}: ${
          (s.rate / 1e6).toFixed(0)
        } MB/s`,
      );
    }
  }
  return runs;
}

async function run(ctx: BenchContext): Promise<BenchOutcome> {
  const parsed = parseEdgeOptions(ctx.args);
  if (!parsed.ok) return { kind: "usage-error", message: parsed.message };
  const o = parsed.value;
  const started = performance.now();
  const date = new Date().toISOString();
  const machine = await readMachineInfo();
  const haproxy = await ensureHaproxy(defaultEnsureHaproxyDeps());
  if (haproxy.kind === "missing") ctx.log(`bench edge: ${haproxy.hint}`);

  const source = await startSource(ctx.scope, o.bytes);
  const edge = await startEdge(ctx.scope);
  const paths: PathUnderTest[] = [
    {
      name: "direct",
      proxyPid: null,
      bulk: { kind: "tcp", port: source.bulkPort },
      banner: { kind: "tcp", port: source.bannerPort },
    },
    {
      name: "edge",
      proxyPid: edge.pid,
      bulk: { kind: "connect", proxyPort: edge.port, targetPort: source.bulkPort },
      banner: { kind: "connect", proxyPort: edge.port, targetPort: source.bannerPort },
    },
  ];
  if (haproxy.kind === "found") {
    const hp = await startHaproxy(ctx.scope, {
      binary: haproxy.path,
      bulkTarget: source.bulkPort,
      bannerTarget: source.bannerPort,
      threads: o.haproxyThreads,
    });
    paths.push({
      name: "haproxy",
      proxyPid: hp.pid,
      bulk: { kind: "tcp", port: hp.bulkPort },
      banner: { kind: "tcp", port: hp.bannerPort },
    });
  }
  ctx.log(`bench edge: paths ${paths.map((p) => p.name).join(", ")}; edge on port ${edge.port}`);

  const latency = await runLatency(paths, o, ctx);
  const throughput = await runThroughput(paths, source.pid, o, ctx);

  const result: EdgeBenchResult = {
    date,
    machine,
    haproxy: haproxy.kind === "found"
      ? { kind: "found", version: haproxy.version, threads: o.haproxyThreads }
      : { kind: "missing", hint: haproxy.hint },
    command: ctx.command,
    options: o,
    throughput,
    latency,
    durationS: (performance.now() - started) / 1000,
  };
  const report = renderEdgeReport(result);
  return {
    kind: "done",
    report,
    allTargetsMet: evaluateTargets(result).every((t) => t.verdict === "PASS"),
  };
}

export const edgeBench: Bench = {
  usage: EDGE_USAGE,
  run,
};
