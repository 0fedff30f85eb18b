/**
 * OTLP export on vs off, side by side (`deno task bench export`), as `bench policy` does: two
 * `halton-meter up` on one fake upstream, one without export, one exporting every call over
 * OTLP/HTTP protobuf to a sink in its own process (otlp_sink.ts: answers 200, counts requests).
 * Latency rounds and throughput runs alternate between the sides, so machine noise falls on both
 * alike. Both sides serve `/metrics` (its feed runs whether or not anyone scrapes).
 */
import type { Bench, BenchContext, BenchOutcome } from "./bench_types.ts";
import { readMachineInfo } from "./machine_info.ts";
import { parsePositiveOptions } from "./parse_positive_options.ts";
import { type AbOptions, type AbResult, measureAb } from "./measure_ab.ts";
import { type Halton, startHalton, startUpstream } from "./metered_setup.ts";
import { renderAbTable } from "./render_ab_table.ts";
import { startChild } from "./start_child.ts";

interface Sink {
  url: string;
  stats(): Promise<{ requests: number; bytes: number }>;
}

async function startSink(ctx: BenchContext): Promise<Sink> {
  const script = new URL("./otlp_sink.ts", import.meta.url).pathname;
  const child = startChild(ctx.scope, "otlp sink", Deno.execPath(), [
    "run",
    "--quiet",
    "--allow-net=127.0.0.1",
    script,
  ]);
  const m = await child.waitFor(/SINK_READY (\d+)/, 30_000);
  const url = `http://127.0.0.1:${m[1]}`;
  return { url, stats: async () => await (await fetch(`${url}/stats`)).json() };
}

export interface ExportAbResult extends AbResult {
  sink: { requests: number; bytes: number };
  /** The "on" side's exporter at the end: rows behind, spans sent. */
  final: { rowsBehind: number | null; exportedSpans: number };
}

async function exporterState(h: Halton) {
  const ports = JSON.parse(await Deno.readTextFile(`${h.home}/effective-ports.json`));
  const token = (await Deno.readTextFile(`${h.home}/api-token`)).trim();
  const res = await fetch(`http://127.0.0.1:${ports.api}/health`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return (await res.json()).export;
}

/**
 * Export steps aside while calls are in flight and catches up after: its work must land in its
 * own side's account, not in the next measurement of the other side. Waits until the exporter
 * has nothing left (a side without one: a short fixed pause, for symmetry).
 */
async function settle(h: Halton): Promise<void> {
  const deadline = Date.now() + 60_000;
  await new Promise((res) => setTimeout(res, 250));
  for (;;) {
    const state = await exporterState(h);
    if (state?.rowsBehind === 0 || state?.state === "off" || Date.now() > deadline) return;
    await new Promise((res) => setTimeout(res, 100));
  }
}

export async function measureExportAb(
  ctx: BenchContext,
  o: AbOptions & { aa: number },
): Promise<ExportAbResult> {
  const upstream = await startUpstream(ctx.scope);
  const sink = await startSink(ctx);
  const [off, on] = await Promise.all([
    startHalton(ctx.scope, upstream),
    startHalton(ctx.scope, upstream, {
      config: {
        export: {
          otlp: {
            endpoint: sink.url,
            metrics_interval_ms: 10_000,
            enabled: o.aa ? false : undefined,
          },
        },
      },
    }),
  ]);
  // settle() after each measurement: the daemon's CPU counts the export work a run left behind.
  const ab = await measureAb(ctx.scope, upstream, { off, on }, o, "export", ctx.log, settle);
  // Let the exporter drain what the last run left, then read where it stands.
  const deadline = Date.now() + 30_000;
  let state = await exporterState(on);
  while (state?.rowsBehind !== 0 && Date.now() < deadline) {
    await new Promise((res) => setTimeout(res, 250));
    state = await exporterState(on);
  }
  return {
    ...ab,
    sink: await sink.stats(),
    final: { rowsBehind: state?.rowsBehind ?? null, exportedSpans: state?.exportedSpans ?? 0 },
  };
}

export function renderExportSection(r: ExportAbResult): { report: string; allMet: boolean } {
  const { table, runs, allMet } = renderAbTable(r, "export", 20);
  const report = [
    "### OTLP export on vs off",
    "",
    'Two `halton-meter up` on one fake upstream; the "on" side exports every call over OTLP/HTTP',
    "protobuf (batches of 512, looked for every second, metrics every 10 s) to a sink in its own",
    "process that answers 200. Latency rounds and throughput runs alternate between the sides.",
    "Export steps aside while calls are in flight (for at most 10 s of unbroken load) and catches",
    "up in the gaps; after each measurement the bench waits until the exporter is 0 rows behind",
    "before the next, and the daemon CPU per request counts that catch-up work.",
    "",
    ...table,
    "",
    `${runs} The sink got ${r.sink.requests} requests (${
      (r.sink.bytes / 1e6).toFixed(1)
    } MB); at the end the exporter had sent ${r.final.exportedSpans} spans and was ${
      r.final.rowsBehind ?? "?"
    } rows behind.`,
  ].join("\n");
  return { report, allMet };
}

const USAGE = `bench export options:
  --requests N     sequential latency requests per side (default 4000)
  --rounds N       interleaved latency rounds (default 8)
  --connections N  concurrent connections for throughput (default 32)
  --seconds S      throughput seconds per side, split over --runs (default 16)
  --runs N         interleaved throughput runs per side (default 4)
  --aa 1           calibration: export off on both sides (what differs is the bench's own bias)`;

async function run(ctx: BenchContext): Promise<BenchOutcome> {
  const defaults = { requests: 4000, rounds: 8, connections: 32, seconds: 16, runs: 4, aa: 0 };
  const o = parsePositiveOptions(ctx.args, defaults);
  if (o === null) return { kind: "usage-error", message: USAGE };
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const machine = await readMachineInfo();
  const r = await measureExportAb(ctx, o);
  const { report, allMet } = renderExportSection(r);
  const head = [
    `Run ${startedAt}, ${((performance.now() - t0) / 1000).toFixed(0)} s, \`${ctx.command}\`;`,
    `${machine.nproc} CPUs (${machine.cpuModel}), load ${machine.loadAverage}, Deno ${machine.deno}.`,
    "",
  ].join("\n");
  return { kind: "done", report: `${head}\n${report}`, allTargetsMet: allMet };
}

export const exportBench: Bench = { usage: USAGE, run };
