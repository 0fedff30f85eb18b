/** Turns `bench metered` measurements into targets and the markdown report. */
import type { MachineInfo } from "./machine_info.ts";
import { median, percentile } from "./percentile.ts";
import type { RssRun, SseSample } from "./metered_load.ts";

export type MeteredPath = "direct" | "halton" | "mitmdump";
export const METERED_PATHS: readonly MeteredPath[] = ["direct", "halton", "mitmdump"];
const LABEL: Record<MeteredPath, string> = {
  direct: "direct",
  halton: "Halton Meter (via edge)",
  mitmdump: "mitmdump",
};

export interface MeteredResult {
  startedAt: string;
  seconds: number;
  command: string;
  machine: MachineInfo;
  mitmdumpVersion: string;
  options: {
    latencyRequests: number;
    rounds: number;
    connections: number;
    throughputSeconds: number;
    throughputRuns: number;
    sseStreams: number;
  };
  latency: Record<MeteredPath, number[]>;
  /** requests/s per run. */
  throughput: Record<MeteredPath, number[]>;
  /** Per run: process name → share of one core (includes the handshakes before the timed window). */
  cpu: Record<MeteredPath, Record<string, number>[]>;
  /** The daemon's VmRSS right after start, before any request. */
  idleRssKb: number;
  sse: Record<MeteredPath, SseSample>;
  rss: RssRun;
}

/** How the numbers above were made; part of the generated section so it never drifts from the code. */
export const METHOD = `### Method

- **Upstream**: \`scripts/bench/metered_upstream.ts\`, its own Deno process (\`Deno.serve\` over TLS,
  cert from \`makeTestCa\` valid for \`api.anthropic.com\` and IP 127.0.0.1). \`POST /v1/messages\` answers
  a 250-byte Anthropic message (content-length), or with \`"stream":true\` 20 SSE events 20 ms apart
  (chunked), each carrying its wall-clock send time.
- **Client**: the bench process, the same hand-rolled HTTP/1.1 keep-alive client for every path
  (\`metered_client.ts\`): one TCP connection, \`CONNECT\` for proxies, one TLS handshake
  (SNI and Host \`api.anthropic.com\`), then requests back to back. Each path's client trusts that
  path's CA (test CA / Halton Meter's CA / mitmproxy's CA).
- **Halton Meter**: \`main.ts up\` (edge + daemon, as users run it) in a temp \`HALTON_METER_HOME\`
  with \`upstream.resolve\` mapping \`api.anthropic.com:443\` to the fake upstream and \`upstream.ca_file\`
  = the test CA. Clients go through the **edge** (\`CONNECT api.anthropic.com:443\`), which hands the
  connection to the daemon, which terminates TLS, meters and forwards: the path users get.
- **mitmdump**: regular (forward) mode, \`-q\`, \`confdir\` in a temp dir,
  \`ssl_verify_upstream_trusted_ca\` = the test CA. Clients send \`CONNECT 127.0.0.1:<upstream>\` with
  SNI \`api.anthropic.com\`; mitmdump forwards that SNI and verifies the upstream cert (which names
  both), so no \`/etc/hosts\` change is needed. mitmdump 8 buffers whole responses by default, SSE
  included (no \`stream_large_bodies\` set): its SSE row shows that, it is not a target.
- **Latency**: per request, write → last body byte read, one connection per path, 50 warm-up
  requests per round, rounds interleaved (A B C, B C A, ...). *Added* = path − direct.
- **Throughput**: N connections opened (not timed), then all loop for the run's seconds; runs
  interleaved. CPU: each process's share of one core over the run, from \`/proc/<pid>/stat\`.
- **SSE**: sequential streams on one connection after one warm-up stream, in interleaved rounds
  (one connection per path and round).
- **RSS**: after all phases and a warm-up (\`--rss-warmup\`, default 50000 requests: the daemon's heap
  and allocator reach their plateau in it; RSS during it is shown), 8 keep-alive connections through the edge;
  the daemon's \`VmRSS\` (\`cat /proc/<pid>/status\`) is sampled every 1/20 of the run; the slope is a
  least-squares fit. Stops at the request count or the time limit, whichever comes first.`;

export interface Target {
  name: string;
  measured: string;
  pass: boolean;
}

const ms = (x: number) => x.toFixed(3);

function cpuCol(runs: Record<string, number>[]): string {
  const names = Object.keys(runs[0] ?? {});
  return names.map((n) => `${n} ${(median(runs.map((x) => x[n] ?? NaN)) * 100).toFixed(0)}%`)
    .join(", ");
}

function addedCols(s: SseSample, direct: SseSample, p: MeteredPath): string {
  if (p === "direct") return "— | — | —";
  const a = addedHold(s, direct);
  return `${signed(percentile(a, 50))} | ${signed(percentile(a, 99))} | ${signed(Math.max(...a))}`;
}
const signed = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(3)} ms`;

/**
 * Per event: its hold through the proxy minus direct's median hold for the same
 * event index, so the upstream's own per-index pattern (Deno.serve holds the 2nd
 * event ~20 ms, in every path) cancels out.
 */
export function addedHold(proxy: SseSample, direct: SseSample): number[] {
  const out: number[] = [];
  proxy.holdByIndex.forEach((holds, k) => {
    const base = median(direct.holdByIndex[k] ?? []);
    for (const h of holds) out.push(h - base);
  });
  return out;
}

export function evaluateMeteredTargets(r: MeteredResult): Target[] {
  const p50 = (p: MeteredPath) => percentile(r.latency[p], 50);
  const p99 = (p: MeteredPath) => percentile(r.latency[p], 99);
  const addedH = p50("halton") - p50("direct");
  const addedM = p50("mitmdump") - p50("direct");
  const addedH99 = p99("halton") - p99("direct");
  const addedM99 = p99("mitmdump") - p99("direct");
  const tp = (p: MeteredPath) => median(r.throughput[p]);
  const ttfbAdded = median(r.sse.halton.ttfb) - median(r.sse.direct.ttfb);
  const added = addedHold(r.sse.halton, r.sse.direct);
  const holdMax = Math.max(...added);
  const holdP99 = percentile(added, 99);
  return [
    {
      name: "added latency p50 ≤ 1/5 of mitmdump's",
      measured: `${signed(addedH)} vs ${signed(addedM)} (${(addedH / addedM).toFixed(3)}×)`,
      pass: addedH <= addedM / 5,
    },
    {
      name: "added latency p99 ≤ 1/5 of mitmdump's",
      measured: `${signed(addedH99)} vs ${signed(addedM99)} (${(addedH99 / addedM99).toFixed(3)}×)`,
      pass: addedH99 <= addedM99 / 5,
    },
    {
      name: "throughput ≥ 20× mitmdump",
      measured: `${(tp("halton") / tp("mitmdump")).toFixed(1)}× (${tp("halton").toFixed(0)} / ${
        tp("mitmdump").toFixed(0)
      } req/s)`,
      pass: tp("halton") >= 20 * tp("mitmdump"),
    },
    {
      name: "throughput ≥ 0.5× direct",
      measured: `${(tp("halton") / tp("direct")).toFixed(2)}× (${tp("halton").toFixed(0)} / ${
        tp("direct").toFixed(0)
      } req/s)`,
      pass: tp("halton") >= 0.5 * tp("direct"),
    },
    {
      name: "added SSE time to first byte ≤ 1 ms",
      measured: signed(ttfbAdded),
      pass: ttfbAdded <= 1,
    },
    {
      name: "no SSE event held ≥ 1 ms (max over all events)",
      measured: `max ${signed(holdMax)}, p99 ${signed(holdP99)}`,
      pass: holdMax < 1,
    },
    {
      name: "daemon RSS growth < 0.1 KB/request",
      measured: `${r.rss.kbPerRequest.toFixed(4)} KB/request over ${r.rss.requests} requests`,
      pass: r.rss.kbPerRequest < 0.1,
    },
  ];
}

export function renderMeteredReport(r: MeteredResult): { report: string; allMet: boolean } {
  const targets = evaluateMeteredTargets(r);
  const o = r.options;
  const m = r.machine;
  const lines: string[] = [
    "## Metered: direct vs Halton Meter vs mitmdump (small JSON + SSE, HTTPS, keep-alive)",
    "",
    `Generated by \`${r.command}\` on ${r.startedAt} (took ${r.seconds.toFixed(0)} s).`,
    "",
    `- CPU: ${m.cpuModel}, nproc ${m.nproc}; load average at start ${m.loadAverage}`,
    `- Kernel: ${m.kernel}`,
    `- Deno ${m.deno} (V8 ${m.v8})`,
    `- mitmdump ${r.mitmdumpVersion} (Debian \`mitmproxy\`), \`-q\`, upstream verified with the test CA`,
    "",
    "### Targets",
    "",
    "| target | measured | verdict |",
    "| --- | ---: | ---: |",
    ...targets.map((t) => `| ${t.name} | ${t.measured} | **${t.pass ? "PASS" : "MISS"}** |`),
    "",
    `### Sequential keep-alive latency: ${o.latencyRequests} requests per path, ${o.rounds} interleaved rounds, one connection each`,
    "",
    "| path | p50 ms | p90 ms | p99 ms | added p50 | added p99 |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
  ];
  const d50 = percentile(r.latency.direct, 50);
  const d99 = percentile(r.latency.direct, 99);
  for (const p of METERED_PATHS) {
    const s = r.latency[p];
    const add = p === "direct"
      ? "— | —"
      : `${signed(percentile(s, 50) - d50)} | ${signed(percentile(s, 99) - d99)}`;
    lines.push(
      `| ${LABEL[p]} | ${ms(percentile(s, 50))} | ${ms(percentile(s, 90))} | ${
        ms(percentile(s, 99))
      } | ${add} |`,
    );
  }
  lines.push(
    "",
    `### Throughput: ${o.connections} concurrent keep-alive connections, ${o.throughputRuns} interleaved runs of ${o.throughputSeconds} s per path`,
    "",
    "| path | median req/s | min–max req/s | vs direct | CPU (median share of one core) |",
    "| --- | ---: | ---: | ---: | --- |",
  );
  const dt = median(r.throughput.direct);
  for (const p of METERED_PATHS) {
    const t = r.throughput[p];
    lines.push(
      `| ${LABEL[p]} | ${median(t).toFixed(0)} | ${Math.min(...t).toFixed(0)}–${
        Math.max(...t).toFixed(0)
      } | ${(median(t) / dt).toFixed(2)}× | ${cpuCol(r.cpu[p])} |`,
    );
  }
  lines.push(
    "",
    `### SSE: ${o.sseStreams} streams per path of 20 events 20 ms apart`,
    "",
    "| path | TTFB p50 ms | added TTFB | event hold p50 ms | hold max ms | added hold p50 | added p99 | added max | events/stream |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  );
  const dTtfb = median(r.sse.direct.ttfb);
  for (const p of METERED_PATHS) {
    const s = r.sse[p];
    const counts = [...new Set(s.eventsPerStream)].join(", ");
    lines.push(
      `| ${LABEL[p]} | ${ms(median(s.ttfb))} | ${
        p === "direct" ? "—" : signed(median(s.ttfb) - dTtfb)
      } | ${ms(median(s.hold))} | ${ms(Math.max(...s.hold))} | ${
        addedCols(s, r.sse.direct, p)
      } | ${counts} |`,
    );
  }
  const rss = r.rss;
  lines.push(
    "",
    "TTFB: request written → first event read. Hold: the upstream's send time (`bench_t` in each event, wall clock) → read by the client; direct's hold is the baseline (TLS + loopback + the client's own loop); *added* hold compares each event with direct's median for the same event index.",
    "",
    `### Daemon RSS: ${rss.requests} requests via the edge (${
      rss.stoppedBy === "count" ? "full count" : "stopped by the time limit"
    }, ${rss.seconds.toFixed(0)} s)`,
    "",
    `VmRSS of the daemon process: ${r.idleRssKb} kB idle after start; during the ${
      rss.warmupSamples.at(-1)?.[0] ?? 0
    }-request warm-up after the phases above: ${
      rss.warmupSamples.map(([, kb]) => kb).join(" → ")
    } kB; then ${rss.samples[0][1]} kB → ${rss.samples.at(-1)![1]} kB; least-squares slope ${
      rss.kbPerRequest.toFixed(4)
    } KB/request over ${rss.samples.length} samples.`,
  );
  lines.push("", METHOD);
  return { report: lines.join("\n"), allMet: targets.every((t) => t.pass) };
}
