/**
 * Side-by-side comparison of Halton Meter builds, the way perf decisions are made on a shared,
 * noisy box: every build runs at once (`main.ts up` from its own checkout, one shared fake
 * upstream) and the paths are measured in interleaved rounds (A B C, B C A, ...), so load
 * changes hit every build alike. Measures SSE time to first byte and event hold, sequential
 * keep-alive latency and, with --throughput, req/s at 32 connections.
 *
 *   git archive <rev> | tar -x -C /tmp/old && ln -s "$PWD/.tools" /tmp/old/.tools
 *   deno run -A scripts/bench/metered_ab.ts /tmp/old . [--rounds 6 --streams 4 --requests 1000]
 */
import { createCleanupScope } from "./cleanup_scope.ts";
import type { MeteredRoute } from "./metered_client.ts";
import { measureLatency, measureSse, measureThroughput } from "./metered_load.ts";
import { startUpstream, UPSTREAM_HOST } from "./metered_setup.ts";
import { median, percentile } from "./percentile.ts";

export interface AbOptions {
  roots: string[];
  rounds: number;
  streams: number;
  requests: number;
  throughput: boolean;
}

export function parseAbArgs(args: readonly string[]): AbOptions | string {
  const o: AbOptions = { roots: [], rounds: 6, streams: 4, requests: 1000, throughput: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--throughput") o.throughput = true;
    else if (a === "--rounds" || a === "--streams" || a === "--requests") {
      const v = Number(args[++i]);
      if (!Number.isInteger(v) || v <= 0) return `${a} needs a positive integer, got ${args[i]}`;
      o[a.slice(2) as "rounds" | "streams" | "requests"] = v;
    } else if (a.startsWith("--")) return `unknown option ${a}`;
    else o.roots.push(a.replace(/\/+$/, "") || "/");
  }
  if (o.roots.length === 0) return "name one or more checkouts to compare (each with main.ts)";
  return o;
}

export interface AbSamples {
  ttfb: number[];
  hold: number[];
  latency: number[];
  rps: number[];
}

const ms = (v: number) => Number.isFinite(v) ? v.toFixed(3) : "—";

/** One Markdown row per path; `direct` (no proxy) first when present. */
export function renderAbTable(results: Record<string, AbSamples>): string {
  const rows = [
    "| path | TTFB p50 ms | TTFB p90 | hold p50 ms | hold p99 | latency p50 ms | latency p99 | req/s (runs) |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const [name, s] of Object.entries(results)) {
    rows.push(
      `| ${name} | ${ms(median(s.ttfb))} | ${ms(percentile(s.ttfb, 90))} | ${
        ms(median(s.hold))
      } | ${ms(percentile(s.hold, 99))} | ${ms(median(s.latency))} | ${
        ms(percentile(s.latency, 99))
      } | ${s.rps.length ? s.rps.map((r) => r.toFixed(0)).join(" ") : "—"} |`,
    );
  }
  return rows.join("\n");
}

async function main(args: string[]): Promise<number> {
  const o = parseAbArgs(args);
  if (typeof o === "string") {
    console.error(`metered_ab: ${o}`);
    return 2;
  }
  const scope = createCleanupScope();
  Deno.addSignalListener("SIGINT", () => void scope.close().then(() => Deno.exit(130)));
  try {
    const upstream = await startUpstream(scope);
    const routes: Record<string, MeteredRoute> = {
      direct: { kind: "direct", port: upstream.port, sni: UPSTREAM_HOST, caPem: upstream.ca.caPem },
    };
    for (const root of o.roots) {
      // Each checkout's own setup starts its own main.ts.
      const abs = root.startsWith("/") ? root : `${Deno.cwd()}/${root}`;
      const setup = await import(`file://${abs}/scripts/bench/metered_setup.ts`);
      const h = await setup.startHalton(scope, upstream);
      routes[root] = {
        kind: "proxy",
        proxyPort: h.edgePort,
        connectTo: `${UPSTREAM_HOST}:443`,
        sni: UPSTREAM_HOST,
        caPem: h.caPem,
      };
    }
    const names = Object.keys(routes);
    const results: Record<string, AbSamples> = {};
    for (const n of names) results[n] = { ttfb: [], hold: [], latency: [], rps: [] };
    for (let r = 0; r < o.rounds && !scope.signal.aborted; r++) {
      const k = r % names.length;
      for (const n of [...names.slice(k), ...names.slice(0, k)]) {
        console.error(`round ${r + 1}/${o.rounds}: ${n}`);
        const sse = await measureSse(routes[n], o.streams, scope.signal);
        results[n].ttfb.push(...sse.ttfb);
        results[n].hold.push(...sse.hold);
        results[n].latency.push(...await measureLatency(routes[n], 50, o.requests, scope.signal));
        if (o.throughput) {
          results[n].rps.push(await measureThroughput(routes[n], 32, 3, scope.signal));
        }
      }
    }
    console.log(`load average at end: ${Deno.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
    console.log(renderAbTable(results));
    return 0;
  } finally {
    await scope.close();
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
