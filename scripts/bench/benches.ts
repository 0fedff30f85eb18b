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
  attribution: {
    summary:
      "finding a connection's process and project on Linux (/proc): cold, remembered, full scan",
    load: async () => (await import("./attribution_bench.ts")).attributionBench,
  },
  metered: {
    summary: "HTTPS calls direct vs through Halton Meter vs mitmdump: latency, req/s, SSE, RSS",
    load: async () => (await import("./metered_bench.ts")).meteredBench,
  },
  store: {
    summary:
      "making a finished call durable against a kill: journal vs batch intervals, CPU per row",
    load: async () => (await import("./store_bench.ts")).storeBench,
  },
  hostile: {
    summary: "20k hostile connections through the edge: daemon RSS and fds before, after, settled",
    load: async () => (await import("./hostile_bench.ts")).hostileBench,
  },
  policy: {
    summary: "policy on (20 rules, 10 budgets) vs off: added latency and req/s, interleaved",
    load: async () => (await import("./policy_ab.ts")).policyBench,
  },
  dashboard: {
    summary:
      "dashboard on 1,000,000 calls: overview API time, metered latency with a dashboard streaming",
    load: async () => (await import("./dashboard_bench.ts")).dashboardBench,
  },
};
