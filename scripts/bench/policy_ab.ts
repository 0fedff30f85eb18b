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
import { parsePositiveOptions } from "./parse_positive_options.ts";
import { type AbOptions, type AbResult, measureAb } from "./measure_ab.ts";
import { startHalton, startUpstream, type Upstream } from "./metered_setup.ts";
import { renderAbTable } from "./render_ab_table.ts";

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

export function renderPolicySection(r: AbResult): { report: string; allMet: boolean } {
  const { table, runs, allMet } = renderAbTable(r, "policy", 50);
  const report = [
    "### Policy on vs off (20 rules, 10 budgets)",
    "",
    'Two `halton-meter up` on one fake upstream; the "on" side has a policy.json with 20',
    "rules that all have to be tried (none matches) and 10 budgets over every window kind that all",
    "cover the bench's calls (each decision reads 10 tallies and reserves on them; every recorded",
    "call is added to them). Latency rounds and throughput runs alternate between the sides.",
    "",
    ...table,
    "",
    runs,
  ].join("\n");
  return { report, allMet };
}

const USAGE = `bench policy options:
  --requests N     sequential latency requests per side (default 4000)
  --rounds N       interleaved latency rounds (default 8)
  --connections N  concurrent connections for throughput (default 32)
  --seconds S      throughput seconds per side, split over --runs (default 16)
  --runs N         interleaved throughput runs per side (default 4)
  --aa 1           calibration: no policy on either side (what differs is the bench's own bias)`;

async function run(ctx: BenchContext): Promise<BenchOutcome> {
  const defaults = { requests: 4000, rounds: 8, connections: 32, seconds: 16, runs: 4, aa: 0 };
  const o = parsePositiveOptions(ctx.args, defaults);
  if (o === null) return { kind: "usage-error", message: USAGE };
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
