/**
 * The interleaved A/B measurement `bench policy` and `bench export` share: two `halton-meter up`
 * ("off" and "on") and the fake upstream direct. Latency rounds and throughput runs alternate
 * which side goes first, so machine noise falls on both alike.
 */
import type { CleanupScope } from "./cleanup_scope.ts";
import type { MeteredRoute } from "./metered_client.ts";
import { measureLatency, measureThroughput } from "./metered_load.ts";
import { type Halton, type Upstream, UPSTREAM_HOST } from "./metered_setup.ts";
import { readProcessCpuSeconds } from "./process_cpu.ts";

export interface AbResult {
  latency: { off: number[]; on: number[]; direct: number[] };
  throughput: { off: number[]; on: number[] };
  /** Daemon CPU µs per request during each throughput run (user + system, all threads). */
  cpuPerRequest: { off: number[]; on: number[] };
}

export interface AbOptions {
  requests: number;
  rounds: number;
  connections: number;
  seconds: number;
  runs: number;
}

function route(h: Halton): MeteredRoute {
  return {
    kind: "proxy",
    proxyPort: h.edgePort,
    connectTo: `${UPSTREAM_HOST}:443`,
    sni: UPSTREAM_HOST,
    caPem: h.caPem,
  };
}

/**
 * `label` prefixes the progress lines. `settle`, if given, runs after each side's latency round
 * and after each throughput run, before the daemon's CPU is read again (so the work a run left
 * behind counts in its own side's CPU).
 */
export async function measureAb(
  scope: CleanupScope,
  upstream: Upstream,
  sides: { off: Halton; on: Halton },
  o: AbOptions,
  label: string,
  log: (m: string) => void,
  settle?: (h: Halton) => Promise<void>,
): Promise<AbResult> {
  const direct: MeteredRoute = {
    kind: "direct",
    port: upstream.port,
    sni: UPSTREAM_HOST,
    caPem: upstream.ca.caPem,
  };
  const r: AbResult = {
    latency: { off: [], on: [], direct: [] },
    throughput: { off: [], on: [] },
    cpuPerRequest: { off: [], on: [] },
  };
  const perRound = Math.ceil(o.requests / o.rounds);
  const signal = scope.signal;
  for (let i = 0; i < o.rounds; i++) {
    const order = i % 2 === 0 ? (["off", "on"] as const) : (["on", "off"] as const);
    log(`${label} latency round ${i + 1}/${o.rounds}`);
    r.latency.direct.push(...await measureLatency(direct, 50, perRound, signal));
    for (const side of order) {
      r.latency[side].push(...await measureLatency(route(sides[side]), 50, perRound, signal));
      await settle?.(sides[side]);
    }
  }
  for (let i = 0; i < o.runs; i++) {
    const order = i % 2 === 0 ? (["off", "on"] as const) : (["on", "off"] as const);
    for (const side of order) {
      const daemon = sides[side].daemonPid;
      const before = (await readProcessCpuSeconds([daemon])).get(daemon);
      const t0 = performance.now();
      const rps = await measureThroughput(
        route(sides[side]),
        o.connections,
        o.seconds / o.runs,
        signal,
      );
      const wall = (performance.now() - t0) / 1000;
      await settle?.(sides[side]);
      const after = (await readProcessCpuSeconds([daemon])).get(daemon);
      if (before !== undefined && after !== undefined && rps > 0) {
        r.cpuPerRequest[side].push(((after - before) / (rps * wall)) * 1e6);
      }
      log(`${label} throughput run ${i + 1}/${o.runs}: ${side} ${rps.toFixed(0)} req/s`);
      r.throughput[side].push(rps);
    }
  }
  return r;
}
