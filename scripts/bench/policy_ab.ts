/**
 * Policy on vs off, side by side: two `halton-meter up` against one fake upstream, one without
 * policy.json, one with 20 rules (none matching, so every rule is tried) and 10 budgets (all
 * covering the bench's calls, caps never reached, so every decision reads every tally and takes
 * a reservation). Latency rounds and throughput runs alternate between the two, so machine noise
 * falls on both alike. Used by `bench metered` and, alone, by `bench policy`.
 */
import type { Bench, BenchContext, BenchOutcome } from "./bench_types.ts";
import type { CleanupScope } from "./cleanup_scope.ts";
import { readMachineInfo } from "./machine_info.ts";
import { type AbOptions, type AbResult, measureAb } from "./measure_ab.ts";
import { startHalton, startUpstream, type Upstream } from "./metered_setup.ts";
import { median, percentile } from "./percentile.ts";

/** The policy the "on" side runs with. */
export function benchPolicy(): unknown {
  const rules = Array.from({ length: 20 }, (_, i) => ({
    id: `rule-${i}`,
    match: i % 2 === 0
      ? { model: `claude-opus-${i}-*`, project: `team-${i}` }
      : { provider: "openai", model: [`gpt-${i}*`, `o${i}-*`], client: "codex-cli" },
    action: i % 3 === 0 ? "warn" : "block",
  }));
  const windows = ["day", "week", "month", "5h", "7d", "24h", "30m", "day", "week", "month"];
  const budgets = windows.map((window, i) => ({
    id: `budget-${i}`,
    window,
    ...(i % 2 === 0 ? { scope: { provider: "anthropic", model: "claude-*" } } : {}),
    ...(i % 3 === 0 ? { cap_tokens: 1e12 } : { cap_usd: 1e9 }),
    time_zone: i % 2 === 0 ? "America/New_York" : "Asia/Tokyo",
  }));
  return { rules, budgets };
}

export async function measurePolicyAb(
  scope: CleanupScope,
  upstream: Upstream,
  o: AbOptions & { aa?: number },
  log: (m: string) => void,
): Promise<AbResult> {
  const [off, on] = await Promise.all([
    startHalton(scope, upstream),
    startHalton(scope, upstream, o.aa ? {} : { policy: benchPolicy() }),
  ]);
  return await measureAb(scope, upstream, { off, on }, o, "policy", log);
}

const us = (ms: number) => `${(ms * 1000).toFixed(0)} µs`;

export function renderPolicySection(r: AbResult): { report: string; allMet: boolean } {
  const p50 = (xs: number[]) => percentile(xs, 50);
  const p99 = (xs: number[]) => percentile(xs, 99);
  const directP50 = p50(r.latency.direct);
  const addedOff = p50(r.latency.off) - directP50;
  const addedOn = p50(r.latency.on) - directP50;
  const delta = addedOn - addedOff;
  const tpOff = median(r.throughput.off);
  const tpOn = median(r.throughput.on);
  const ratio = tpOn / tpOff;
  const latencyMet = delta <= 0.05;
  const throughputMet = ratio >= 0.95;
  const report = [
    "### Policy on vs off (20 rules, 10 budgets)",
    "",
    'Two `halton-meter up` on one fake upstream; the "on" side has a policy.json with 20',
    "rules that all have to be tried (none matches) and 10 budgets over every window kind that all",
    "cover the bench's calls (each decision reads 10 tallies and reserves on them; every recorded",
    "call is added to them). Latency rounds and throughput runs alternate between the sides.",
    "",
    "| | policy off | policy on | on − off | target | verdict |",
    "|---|---|---|---|---|---|",
    `| added latency p50 (vs direct ${directP50.toFixed(3)} ms) | ${us(addedOff)} | ${
      us(addedOn)
    } | ${us(delta)} | ≤ +50 µs | ${latencyMet ? "met" : "miss"} |`,
    `| latency p99 | ${p99(r.latency.off).toFixed(3)} ms | ${p99(r.latency.on).toFixed(3)} ms | ${
      us(p99(r.latency.on) - p99(r.latency.off))
    } | | |`,
    `| throughput (median of ${r.throughput.off.length} runs) | ${tpOff.toFixed(0)} req/s | ${
      tpOn.toFixed(0)
    } req/s | ${ratio.toFixed(3)}× | ≥ 0.95× | ${throughputMet ? "met" : "miss"} |`,
    `| daemon CPU per request (median) | ${median(r.cpuPerRequest.off).toFixed(0)} µs | ${
      median(r.cpuPerRequest.on).toFixed(0)
    } µs | ${(median(r.cpuPerRequest.on) - median(r.cpuPerRequest.off)).toFixed(0)} µs | | |`,
    "",
    `Runs: throughput off ${r.throughput.off.map((x) => x.toFixed(0)).join(", ")}; on ${
      r.throughput.on.map((x) => x.toFixed(0)).join(", ")
    } req/s; ${r.latency.off.length} latency samples per side.`,
  ].join("\n");
  return { report, allMet: latencyMet && throughputMet };
}

const USAGE = `bench policy options:
  --requests N     sequential latency requests per side (default 4000)
  --rounds N       interleaved latency rounds (default 8)
  --connections N  concurrent connections for throughput (default 32)
  --seconds S      throughput seconds per side, split over --runs (default 16)
  --runs N         interleaved throughput runs per side (default 4)
  --aa 1           calibration: no policy on either side (what differs is the bench's own bias)`;

async function run(ctx: BenchContext): Promise<BenchOutcome> {
  const o = { requests: 4000, rounds: 8, connections: 32, seconds: 16, runs: 4, aa: 0 };
  for (let i = 0; i < ctx.args.length; i++) {
    const key = ctx.args[i].replace(/^--/, "") as keyof typeof o;
    const v = Number(ctx.args[++i]);
    if (!(key in o) || !(v > 0)) return { kind: "usage-error", message: USAGE };
    o[key] = v;
  }
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const machine = await readMachineInfo();
  const upstream = await startUpstream(ctx.scope);
  const r = await measurePolicyAb(ctx.scope, upstream, o, ctx.log);
  const rendered = renderPolicySection(r);
  const report = o.aa
    ? rendered.report.replace(
      "### Policy on vs off (20 rules, 10 budgets)",
      '### A/A calibration: policy off on both sides (the "on" column has no policy)',
    )
    : rendered.report;
  const allMet = rendered.allMet;
  const head = [
    `Run ${startedAt}, ${((performance.now() - t0) / 1000).toFixed(0)} s, \`${ctx.command}\`;`,
    `${machine.nproc} CPUs (${machine.cpuModel}), load ${machine.loadAverage}, Deno ${machine.deno}.`,
    "",
  ].join("\n");
  return { kind: "done", report: `${head}\n${report}`, allTargetsMet: allMet };
}

export const policyBench: Bench = { usage: USAGE, run };
