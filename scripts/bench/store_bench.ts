/**
 * `deno task bench store`: what it costs to make a completed call durable against a process
 * kill. The store (`openStore`, real files in a temp dir) runs in this process, variants
 * interleaved in rounds: 50 ms batches without the journal (before M7), 50 ms batches with
 * each row appended to the spool at enqueue (M7's default), and shorter batches without it.
 *
 * - steady: `--rate` rows/s for `--seconds` per variant per round, enqueued from a 10 ms timer
 *   like calls ending; measures this process's CPU (user+sys) per row, the enqueue call (the
 *   part on the proxy's path), and the time from enqueue until the row survives a kill: for
 *   the journal, when enqueue returns; without it, when its batch committed.
 * - burst: `--burst` rows enqueued at once, then flushed: rows/s and CPU per row.
 */
import process from "node:process";
import type { CallRecord } from "../../core/call_record.ts";
import { openStore } from "../../daemon/store/mod.ts";
import type { Bench, BenchContext, BenchOutcome } from "./bench_types.ts";
import { readMachineInfo } from "./machine_info.ts";
import { parsePositiveOptions } from "./parse_positive_options.ts";
import { median, percentile } from "./percentile.ts";

interface Variant {
  name: string;
  journal: boolean;
  flushIntervalMs: number;
}

const VARIANTS: Variant[] = [
  { name: "50 ms batches, no journal (before)", journal: false, flushIntervalMs: 50 },
  { name: "50 ms batches + journal (M7)", journal: true, flushIntervalMs: 50 },
  { name: "10 ms batches, no journal", journal: false, flushIntervalMs: 10 },
  { name: "5 ms batches, no journal", journal: false, flushIntervalMs: 5 },
];

interface Sample {
  cpuUsPerRow: number;
  enqueueUs: number[];
  durableMs: number[];
  burstRowsPerS: number;
  burstCpuUsPerRow: number;
}

let seq = 0;
function record(): CallRecord {
  const now = Date.now();
  return {
    id: `bench-${now}-${seq++}-${Math.random().toString(36).slice(2)}`,
    startedAt: now - 1500,
    endedAt: now,
    durationMs: 1500,
    ttfbMs: 320,
    provider: "anthropic",
    host: "api.anthropic.com",
    method: "POST",
    path: "/v1/messages",
    endpoint: "messages",
    requestModel: "claude-sonnet-4-5",
    stream: true,
    status: 200,
    usage: {
      inputTokens: 1200,
      outputTokens: 340,
      cacheReadTokens: 800,
      cacheWrite5mTokens: 100,
      cacheWrite1hTokens: null,
      reasoningTokens: null,
      webSearchRequests: null,
      webFetchRequests: null,
      responseModel: "claude-sonnet-4-5-20250929",
      serviceTier: "standard",
      responseId: "msg_01ABCDEFGHIJKLMNOPQRSTUV",
      errorType: null,
      errorMessage: null,
      completeness: "complete",
      providerCostUsd: null,
    },
    cost: {
      totalUsd: 0.0125,
      inputUsd: 0.0036,
      cacheReadUsd: 0.00024,
      cacheWriteUsd: 0.0006,
      outputUsd: 0.0051,
      unpricedReason: null,
      priceVersion: "genai-prices@0.1.8",
    },
    project: "halton-meter",
    projectSource: "cwd",
    client: "claude-code",
    apiKeyFingerprint: "a1b2c3d4",
    providerRequestId: "req_011CXYZABCDEFGHIJKLMNOP",
    rateLimit: { "anthropic-ratelimit-requests-remaining": "49" },
    bytesUp: 2048,
    bytesDown: 8192,
    selfTest: false,
    policy: null,
  };
}

const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

async function measure(v: Variant, o: Options, dir: string): Promise<Sample> {
  const enqueuedAt: number[] = [];
  const durableMs: number[] = [];
  let committed = 0;
  const store = openStore({
    path: `${dir}/db.sqlite`,
    spoolPath: `${dir}/spool.jsonl`,
    journal: v.journal,
    flushIntervalMs: v.flushIntervalMs,
    deps: {
      onTransaction(n) {
        const now = performance.now();
        for (let i = 0; i < n; i++) {
          if (!v.journal) durableMs.push(now - enqueuedAt[committed + i]);
        }
        committed += n;
      },
    },
  });
  const enqueueUs: number[] = [];
  try {
    const total = Math.round(o.rate * o.seconds);
    const perTick = o.rate / 100;
    const cpu0 = cpuUs();
    await new Promise<void>((done) => {
      let sent = 0;
      let due = 0;
      const timer = setInterval(() => {
        due += perTick;
        while (sent < Math.min(total, Math.floor(due))) {
          const r = record();
          const t = performance.now();
          enqueuedAt.push(t);
          store.enqueue(r);
          const took = performance.now() - t;
          enqueueUs.push(took * 1000);
          if (v.journal) durableMs.push(took);
          sent++;
        }
        if (sent >= total) {
          clearInterval(timer);
          done();
        }
      }, 10);
    });
    await store.flush();
    const cpuUsPerRow = (cpuUs() - cpu0) / total;

    const rows = Array.from({ length: o.burst }, record);
    const c0 = cpuUs();
    const t0 = performance.now();
    for (const r of rows) {
      enqueuedAt.push(performance.now());
      store.enqueue(r);
    }
    await store.flush();
    const s = (performance.now() - t0) / 1000;
    return {
      cpuUsPerRow,
      enqueueUs,
      durableMs: durableMs.slice(0, total),
      burstRowsPerS: o.burst / s,
      burstCpuUsPerRow: (cpuUs() - c0) / o.burst,
    };
  } finally {
    await store.close();
  }
}

interface Options {
  rate: number;
  seconds: number;
  rounds: number;
  burst: number;
}

const USAGE = `bench store options:
  --rate N      steady rows per second (default 500)
  --seconds S   steady seconds per variant per round (default 4)
  --rounds N    interleaved rounds (default 3)
  --burst N     rows enqueued at once per variant per round (default 20000)`;

const f1 = (x: number) => x.toFixed(1);

function render(results: Map<Variant, Sample[]>, o: Options): string {
  const lines = [
    `### Durability against a kill: ${o.rate} rows/s for ${o.seconds} s and a burst of ${o.burst} rows per variant, ${o.rounds} interleaved rounds`,
    "",
    "| variant | CPU per row, steady | enqueue p50 / p99 | durable after p50 / p99 | burst rows/s | CPU per row, burst |",
    "|---|---|---|---|---|---|",
  ];
  for (const [v, samples] of results) {
    const all = <K extends "enqueueUs" | "durableMs">(k: K) => samples.flatMap((s) => s[k]);
    const med = (k: "cpuUsPerRow" | "burstRowsPerS" | "burstCpuUsPerRow") =>
      median(samples.map((s) => s[k]));
    lines.push(
      `| ${v.name} | ${f1(med("cpuUsPerRow"))} µs | ${f1(percentile(all("enqueueUs"), 50))} / ${
        f1(percentile(all("enqueueUs"), 99))
      } µs | ${percentile(all("durableMs"), 50).toFixed(2)} / ${
        percentile(all("durableMs"), 99).toFixed(2)
      } ms | ${med("burstRowsPerS").toFixed(0)} | ${f1(med("burstCpuUsPerRow"))} µs |`,
    );
  }
  lines.push(
    "",
    "CPU per row is this process's user+system time over the rows (medians of the rounds): the",
    "store's whole cost, timers and row building included. *Durable after*: from the start of",
    "`enqueue` until the row survives a process kill (journal: written to the spool before",
    "`enqueue` returns; otherwise: its batch committed).",
  );
  return lines.join("\n");
}

async function run(ctx: BenchContext): Promise<BenchOutcome> {
  const defaults: Options = { rate: 500, seconds: 4, rounds: 3, burst: 20_000 };
  const o = parsePositiveOptions(ctx.args, defaults);
  if (o === null) return { kind: "usage-error", message: USAGE };
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const machine = await readMachineInfo();
  const results = new Map<Variant, Sample[]>(VARIANTS.map((v) => [v, []]));
  for (let round = 0; round < o.rounds; round++) {
    // Rotate the order each round so drift in machine load falls on every variant.
    const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]);
    for (const v of order) {
      const dir = await Deno.makeTempDir({ prefix: "hm-bench-store-" });
      ctx.scope.defer(
        `temp dir ${dir}`,
        () => Deno.remove(dir, { recursive: true }).catch(() => {}),
      );
      ctx.log(`round ${round + 1}/${o.rounds}: ${v.name}`);
      results.get(v)!.push(await measure(v, o, dir));
    }
  }
  const head = [
    `Run ${startedAt}, ${((performance.now() - t0) / 1000).toFixed(0)} s, \`${ctx.command}\`;`,
    `${machine.nproc} CPUs (${machine.cpuModel}), load ${machine.loadAverage}, Deno ${machine.deno}; temp dir on the machine's disk.`,
    "",
  ].join("\n");
  return { kind: "done", report: `${head}\n${render(results, o)}`, allTargetsMet: true };
}

export const storeBench: Bench = { usage: USAGE, run };
