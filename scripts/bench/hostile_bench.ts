/**
 * `deno task bench hostile`: what hostile input leaves behind in the daemon. `halton-meter up`
 * against a fake upstream, then N hostile connections through the edge (hostile_load.ts),
 * then a quiet wait; the daemon's RSS and open file descriptors before, right after and once
 * settled. A leak shows as RSS that stays up with the descriptors back down.
 */
import type { Bench, BenchContext, BenchOutcome } from "./bench_types.ts";
import { HOSTILE_KINDS, type HostileKind, runHostileMix } from "./hostile_load.ts";
import { readMachineInfo } from "./machine_info.ts";
import { readRssKb } from "./metered_load.ts";
import { startHalton, startUpstream, UPSTREAM_HOST } from "./metered_setup.ts";

const USAGE = `deno task bench hostile [options]
  --inputs N        hostile connections (default 20000)
  --concurrency N   at a time (default 32)
  --settle S        seconds to wait afterwards (default 180)
  --kinds a,b       only these kinds (default all: ${HOSTILE_KINDS.join(", ")})`;

interface Options {
  inputs: number;
  concurrency: number;
  settle: number;
  kinds: HostileKind[];
}

function parseOptions(args: readonly string[]): Options | string {
  const o: Options = { inputs: 20_000, concurrency: 32, settle: 180, kinds: [...HOSTILE_KINDS] };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split("=", 2);
    const raw = inline ?? args[++i];
    if (flag === "--kinds") {
      const kinds = (raw ?? "").split(",");
      const bad = kinds.find((k) => !(HOSTILE_KINDS as readonly string[]).includes(k));
      if (bad !== undefined) return `unknown kind ${JSON.stringify(bad)}\n${USAGE}`;
      o.kinds = kinds as HostileKind[];
      continue;
    }
    const key =
      ({ "--inputs": "inputs", "--concurrency": "concurrency", "--settle": "settle" } as const)[
        flag as "--inputs"
      ];
    if (key === undefined) return `unknown option ${args[i]}\n${USAGE}`;
    const v = Number(raw);
    if (!Number.isInteger(v) || v < 0) return `${flag} needs a whole number, got ${raw}`;
    o[key] = v;
  }
  return o;
}

/** Through `ls`, as readRssKb reads through `cat`: /proc/<pid> needs --allow-all otherwise. */
async function openFds(pid: number): Promise<number> {
  const out = await new Deno.Command("ls", { args: [`/proc/${pid}/fd`], stdout: "piped" }).output();
  return new TextDecoder().decode(out.stdout).split("\n").filter((l) => l !== "").length;
}

interface Sample {
  label: string;
  rssKb: number;
  fds: number;
}

async function run(ctx: BenchContext): Promise<BenchOutcome> {
  const o = parseOptions(ctx.args);
  if (typeof o === "string") return { kind: "usage-error", message: o };
  const startedAt = new Date().toISOString();
  const machine = await readMachineInfo();
  const upstream = await startUpstream(ctx.scope);
  const halton = await startHalton(ctx.scope, upstream);
  const pid = halton.daemonPid;
  const samples: Sample[] = [];
  const sample = async (label: string) => {
    samples.push({ label, rssKb: await readRssKb(pid), fds: await openFds(pid) });
    ctx.log(`${label}: daemon RSS ${(samples.at(-1)!.rssKb / 1024).toFixed(0)} MB`);
  };
  await sample("idle, before");
  const t0 = performance.now();
  const { clientErrors } = await runHostileMix(
    { edgePort: halton.edgePort, host: UPSTREAM_HOST, caPem: halton.caPem },
    { count: o.inputs, concurrency: o.concurrency, kinds: o.kinds, signal: ctx.scope.signal },
    (done) => ctx.log(`${done}/${o.inputs} hostile connections`),
  );
  const seconds = (performance.now() - t0) / 1000;
  await sample(`right after ${o.inputs} inputs`);
  for (
    const wait of [10, 60, o.settle].filter((w, i, all) => w <= o.settle && all.indexOf(w) === i)
  ) {
    const already = (performance.now() - t0) / 1000 - seconds;
    await new Promise((r) => setTimeout(r, Math.max(0, wait - already) * 1000));
    await sample(`${wait} s later`);
  }
  const mb = (kb: number) => (kb / 1024).toFixed(0);
  const first = samples[0];
  const last = samples.at(-1)!;
  const report = [
    "## Hostile input: what stays in the daemon",
    "",
    `Run ${startedAt}: \`${ctx.command}\`; ${machine.nproc} cores (${machine.cpuModel}), ` +
    `load ${machine.loadAverage}, Deno ${machine.deno}.`,
    `${o.inputs} connections through the edge, ${o.concurrency} at a time, kinds in turn: ` +
    `${o.kinds.join(", ")} (scripts/bench/hostile_load.ts); ${seconds.toFixed(0)} s, ` +
    `${clientErrors} refused or reset on the client side.`,
    "",
    "| when | daemon RSS (MB) | open fds |",
    "|---|---:|---:|",
    ...samples.map((s) => `| ${s.label} | ${mb(s.rssKb)} | ${s.fds} |`),
    "",
    `Retained once settled: ${mb(last.rssKb - first.rssKb)} MB ` +
    `(${((last.rssKb - first.rssKb) / Math.max(1, o.inputs)).toFixed(2)} KB per input).`,
  ].join("\n");
  // No target: the figure is for comparing builds (a leak grows with --inputs, a plateau not).
  return { kind: "done", report, allTargetsMet: true };
}

export const hostileBench: Bench = { usage: USAGE, run };
