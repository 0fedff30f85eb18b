/**
 * `deno task bench reports`: how fast `usage` answers over a large database. Generates `--rows`
 * calls (default 1,000,000) over the last `--days` (default 30) into a temp `db.sqlite` through
 * the real schema (`insertCalls`: migrations, and the trigger that fills `rollup_15m`), in
 * transactions of 50,000 rows, shaped like a busy machine: each 15 minutes one or two projects
 * at work, a main model with small side calls, telemetry requests, a few blocked calls and 5%
 * of rows from anywhere. Then, in interleaved rounds:
 *
 * - in process: `report()` as `usage` runs it (by model, by day and model, by hour, by project
 *   and model over 30 days), and the same by model over `calls` alone (a copy without the
 *   roll-up: what the roll-up saves);
 * - end to end: `main.ts usage --json --since 30d` (and `usage blocks --json`) as a user runs it,
 *   process start included, against `usage --json` on a home without a database (the start
 *   alone); wall time, and the CPU time the run used (the machine is shared: CPU time moves less
 *   with other people's load than wall time does).
 *
 * Target: `usage --json --since 30d` answers in ≤ 300 ms end to end.
 */
import { DatabaseSync } from "node:sqlite";
import process from "node:process";
import { type CallRecord, emptyUsage } from "../../core/mod.ts";
import { insertCalls, report, type ReportQuery } from "../../daemon/store/mod.ts";
import { SOURCE_PERMISSIONS } from "../../setup/mod.ts";
import type { Bench, BenchContext, BenchOutcome } from "./bench_types.ts";
import { readMachineInfo } from "./machine_info.ts";
import { makeTempDir } from "./make_temp_dir.ts";
import { median, percentile } from "./percentile.ts";

const USAGE = `bench reports options:
  --rows N     calls generated (default 1000000)
  --days N     spread over the last N days (default 30)
  --rounds N   interleaved rounds of every measurement (default 11)
  --keep DIR   write the database to DIR/db.sqlite and leave it there (to look into it)`;

const TARGET_MS = 300;
const MAIN = new URL("../../main.ts", import.meta.url).pathname;

interface Options {
  rows: number;
  days: number;
  rounds: number;
  keep?: string;
}

function parseOptions(args: readonly string[]): Options | string {
  const o: Options = { rows: 1_000_000, days: 30, rounds: 11 };
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--keep") {
      o.keep = args[++i];
      if (!o.keep) return "--keep needs a directory";
      continue;
    }
    const key = args[i].replace(/^--/, "") as "rows" | "days" | "rounds";
    if (!(key in o)) return `unknown option ${args[i]}\n${USAGE}`;
    const n = Number(args[++i]);
    if (!Number.isInteger(n) || n < 1) {
      return `${args[i - 1]} needs a whole number above 0, got ${JSON.stringify(args[i])}`;
    }
    o[key] = n;
  }
  return o;
}

const PROJECTS = ["acme-api", "acme-web", "halton", "infra", "notebooks", "billing", "docs", "ml"];
const MAIN_MODELS = [
  ["anthropic", "claude-sonnet-4-5"],
  ["anthropic", "claude-opus-4-1"],
  ["openai", "gpt-5"],
  ["gemini", "gemini-2.5-pro"],
] as const;
const CLIENTS = ["claude-code", "codex-cli", "anthropic-sdk-python", "curl"];

/** A small deterministic generator: the same database for the same options. */
function rng(seed: number) {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

/** Calls `count`, oldest first, in `[from, to)`. */
function* generate(count: number, from: number, to: number): Generator<CallRecord> {
  const rnd = rng(7);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  const step = (to - from) / count;
  let bucket = -1;
  let session: { project: string; client: string; model: readonly [string, string]; key: string } =
    { project: PROJECTS[0], client: CLIENTS[0], model: MAIN_MODELS[0], key: "k0" };
  for (let i = 0; i < count; i++) {
    const at = Math.floor(from + i * step);
    const b = Math.floor(at / 900_000);
    if (b !== bucket) {
      bucket = b;
      if (rnd() < 0.3) {
        session = {
          project: pick(PROJECTS),
          client: pick(CLIENTS),
          model: pick(MAIN_MODELS),
          key: `k${Math.floor(rnd() * 3)}`,
        };
      }
    }
    const stray = rnd() < 0.05;
    const project = stray ? pick(PROJECTS) : session.project;
    const r = rnd();
    const endpoint = r < 0.22 ? "other" : r < 0.25 ? "count_tokens" : "messages";
    const [provider, mainModel] = stray ? pick(MAIN_MODELS) : session.model;
    const model = endpoint === "other"
      ? null
      : provider === "anthropic" && rnd() < 0.25
      ? "claude-haiku-4-5"
      : mainModel;
    const blocked = endpoint === "messages" && rnd() < 0.005;
    const priced = endpoint === "messages" && !blocked;
    const input = priced ? 200 + Math.floor(rnd() * 40_000) : 0;
    const output = priced ? 10 + Math.floor(rnd() * 2_000) : 0;
    yield {
      id: `b${i.toString(36).padStart(8, "0")}`,
      startedAt: at,
      endedAt: at + 1200,
      durationMs: 1200,
      ttfbMs: 300,
      provider,
      host: `api.${provider}.com`,
      method: "POST",
      path: endpoint === "other" ? "/api/event_logging/batch" : "/v1/messages",
      endpoint,
      requestModel: model,
      stream: true,
      status: blocked ? 402 : 200,
      usage: priced
        ? {
          ...emptyUsage(),
          inputTokens: input,
          outputTokens: output,
          cacheReadTokens: Math.floor(input * 0.7),
          cacheWrite5mTokens: Math.floor(input * 0.1),
          responseModel: model,
          responseId: `msg_${i}`,
          completeness: "complete",
        }
        : emptyUsage(),
      cost: {
        totalUsd: priced ? (input * 3 + output * 15) / 1e6 : blocked ? 0 : null,
        inputUsd: null,
        cacheReadUsd: null,
        cacheWriteUsd: null,
        outputUsd: null,
        unpricedReason: null,
        priceVersion: "bench",
      },
      project,
      projectSource: "process_cwd",
      client: stray ? pick(CLIENTS) : session.client,
      apiKeyFingerprint: session.key,
      providerRequestId: priced ? `req_${i}` : null,
      rateLimit: null,
      bytesUp: 4096,
      bytesDown: 8192,
      selfTest: false,
      policy: blocked
        ? { action: "block", id: "rule:no-opus", message: "blocked" }
        : { action: "allow", id: null, message: null },
    };
  }
}

function* chunks<T>(it: Iterator<T>, size: number): Generator<T[]> {
  for (;;) {
    const chunk: T[] = [];
    for (let r = it.next(); !r.done; r = it.next()) {
      chunk.push(r.value);
      if (chunk.length === size) break;
    }
    if (chunk.length === 0) return;
    yield chunk;
  }
}

/** CPU seconds (user + system) of this process's waited-for children so far (Linux). */
function childrenCpuMs(): number | null {
  try {
    const stat = Deno.readTextFileSync("/proc/self/stat");
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Fields 16 and 17 (cutime, cstime), in clock ticks of 10 ms.
    return (Number(rest[13]) + Number(rest[14])) * 10;
  } catch {
    return null;
  }
}

/** Wall time and CPU time (user + system, 10 ms ticks) of one run. */
async function timedRun(
  args: string[],
  home: string,
): Promise<{ ms: number; cpuMs: number | null }> {
  const cpu0 = childrenCpuMs();
  const t = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...SOURCE_PERMISSIONS, MAIN, ...args],
    env: { HALTON_METER_HOME: home, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const ms = performance.now() - t;
  const cpu1 = childrenCpuMs();
  if (!out.success) {
    throw new Error(
      `main.ts ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr).slice(0, 500)}`,
    );
  }
  return { ms, cpuMs: cpu0 === null || cpu1 === null ? null : cpu1 - cpu0 };
}

const fmt = (ms: number) => ms.toFixed(ms < 10 ? 2 : 1);

async function runBench(ctx: BenchContext, o: Options): Promise<BenchOutcome> {
  const machine = await readMachineInfo();
  const started = Date.now();
  const dir = await makeTempDir(ctx.scope, "hm-bench-reports-");
  const home = o.keep ?? `${dir}/home`;
  await Deno.mkdir(home, { recursive: true });
  await Deno.remove(`${home}/db.sqlite`).catch(() => {});
  const path = `${home}/db.sqlite`;
  const now = Date.now();
  const from = now - o.days * 86_400_000;

  ctx.log(`generating ${o.rows} calls over ${o.days} days into ${path}`);
  const t0 = performance.now();
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = OFF"); // generation only; the daemon runs NORMAL
  let written = 0;
  for (const chunk of chunks(generate(o.rows, from, now)[Symbol.iterator](), 50_000)) {
    written += insertCalls(db, chunk);
    if (written % 200_000 === 0) ctx.log(`  ${written} rows`);
  }
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  const genS = (performance.now() - t0) / 1000;
  const rollupRows = Number(db.prepare("SELECT COUNT(*) AS n FROM rollup_15m").get()?.n);
  db.close();
  const bytes = Deno.statSync(path).size;
  ctx.log(`generated in ${genS.toFixed(1)} s; ${rollupRows} roll-up rows; ${bytes >> 20} MiB`);

  // The same data without the roll-up: a database a CLI reads from `calls` alone.
  const rawPath = `${dir}/raw.sqlite`;
  await Deno.copyFile(path, rawPath);
  const raw = new DatabaseSync(rawPath);
  raw.exec("DROP TABLE rollup_15m");
  raw.close();

  const tz = "Europe/Paris";
  const since = now - 30 * 86_400_000;
  const queries: [string, ReportQuery, string][] = [
    ["by model (usage --since 30d)", { groupBy: ["model"], since, timeZone: tz }, path],
    ["by day, model", { groupBy: ["day", "model"], since, timeZone: tz }, path],
    ["by hour", { groupBy: ["hour"], since, timeZone: tz }, path],
    ["by project, model", { groupBy: ["project", "model"], since, timeZone: tz }, path],
    ["by model, `calls` alone (no roll-up)", { groupBy: ["model"], since, timeZone: tz }, rawPath],
  ];
  const emptyHome = `${dir}/empty`;
  await Deno.mkdir(emptyHome);
  const commands: [string, string[], string][] = [
    ["`usage --json` without a database (the start alone)", ["usage", "--json"], emptyHome],
    ["`usage --json --since 30d`", ["usage", "--json", "--since", "30d"], home],
    ["`usage --since 30d --group-by day --group-by model`", [
      "usage",
      "--since",
      "30d",
      "--group-by",
      "day",
      "--group-by",
      "model",
    ], home],
    ["`usage blocks --json` (3 days)", ["usage", "blocks", "--json"], home],
  ];
  const inProcess = new Map<string, number[]>(queries.map(([n]) => [n, []]));
  const inProcessCpu = new Map<string, number[]>(queries.map(([n]) => [n, []]));
  const endToEnd = new Map<string, number[]>(commands.map(([n]) => [n, []]));
  const cpu = new Map<string, number[]>(commands.map(([n]) => [n, []]));
  const connections = new Map<string, DatabaseSync>();
  const conn = (p: string) => {
    let c = connections.get(p);
    if (!c) connections.set(p, c = new DatabaseSync(p, { readOnly: true }));
    return c;
  };
  ctx.scope.defer("connections", () => connections.forEach((c) => c.close()));
  for (let round = 0; round < o.rounds; round++) {
    ctx.log(`round ${round + 1}/${o.rounds}`);
    const shift = round % queries.length;
    for (const [name, q, p] of [...queries.slice(shift), ...queries.slice(0, shift)]) {
      const c0 = process.cpuUsage();
      const t = performance.now();
      report(conn(p), q);
      inProcess.get(name)!.push(performance.now() - t);
      const c = process.cpuUsage(c0);
      inProcessCpu.get(name)!.push((c.user + c.system) / 1000);
    }
    const cshift = round % commands.length;
    for (const [name, args, h] of [...commands.slice(cshift), ...commands.slice(0, cshift)]) {
      const r = await timedRun(args, h);
      endToEnd.get(name)!.push(r.ms);
      if (r.cpuMs !== null) cpu.get(name)!.push(r.cpuMs);
    }
  }
  const usageMs = median(endToEnd.get("`usage --json --since 30d`")!);
  const met = usageMs <= TARGET_MS;
  const lines = [
    `Run ${new Date(started).toISOString()}, ${
      Math.round((Date.now() - started) / 1000)
    } s, \`${ctx.command}\`;`,
    `${machine.nproc} CPUs (${machine.cpuModel}), load ${machine.loadAverage}, Deno ${machine.deno}.`,
    "",
    `Database: ${o.rows.toLocaleString("en-US")} calls over ${o.days} days, generated in ${
      genS.toFixed(1)
    } s through the real schema; ${rollupRows.toLocaleString("en-US")} roll-up rows; ${
      (bytes / 2 ** 20).toFixed(0)
    } MiB.`,
    "",
    `### In process: \`report()\` over 30 days, ${o.rounds} interleaved rounds`,
    "",
    "| query | median | p90 | CPU (user + system), median |",
    "|---|---|---|---|",
    ...[...inProcess].map(([n, ms]) =>
      `| ${n} | ${fmt(median(ms))} ms | ${fmt(percentile(ms, 90))} ms | ${
        fmt(median(inProcessCpu.get(n)!))
      } ms |`
    ),
    "",
    `### End to end: \`deno run main.ts ...\`, process start included, ${o.rounds} interleaved rounds`,
    "",
    "| command | median | p90 | best | CPU (user + system), median |",
    "|---|---|---|---|---|",
    ...[...endToEnd].map(([n, ms]) => {
      const c = cpu.get(n)!;
      return `| ${n} | ${fmt(median(ms))} ms | ${fmt(percentile(ms, 90))} ms | ${
        fmt(Math.min(...ms))
      } ms | ${c.length ? `${Math.round(median(c))} ms` : "-"} |`;
    }),
    "",
    `Target: \`usage --json --since 30d\` in ≤ ${TARGET_MS} ms end to end: ${
      met ? "**met**" : "**missed**"
    } (median ${fmt(usageMs)} ms).`,
  ];
  return { kind: "done", report: lines.join("\n"), allTargetsMet: met };
}

export const reportsBench: Bench = {
  usage: USAGE,
  run(ctx) {
    const o = parseOptions(ctx.args);
    if (typeof o === "string") return Promise.resolve({ kind: "usage-error", message: o });
    return runBench(ctx, o);
  },
};
