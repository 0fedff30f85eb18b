import type { BenchLoader } from "./bench_types.ts";

/**
 * Every bench `deno task bench <name>` can run, in the order `deno task bench`
 * runs them. To add one (e.g. `metered`): write scripts/bench/<name>_bench.ts
 * exporting a `Bench`, and add a line here.
 */
export const BENCHES: Readonly<Record<string, { summary: string; load: BenchLoader }>> = {
  edge: {
    summary: "raw CONNECT tunnel: throughput and set-up latency vs direct and HAProxy",
    load: async () => (await import("./edge_bench.ts")).edgeBench,
  },
  metered: {
    summary: "HTTPS calls direct vs through Halton Meter vs mitmdump: latency, req/s, SSE, RSS",
    load: async () => (await import("./metered_bench.ts")).meteredBench,
  },
  hostile: {
    summary: "20k hostile connections through the edge: daemon RSS and fds before, after, settled",
    load: async () => (await import("./hostile_bench.ts")).hostileBench,
  },
  policy: {
    summary: "policy on (20 rules, 10 budgets) vs off: added latency and req/s, interleaved",
    load: async () => (await import("./policy_ab.ts")).policyBench,
  },
};
