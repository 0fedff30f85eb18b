/**
 * `deno task bench dashboard`: the dashboard against a big database. 1,000,000 generated calls
 * over the last 30 days (real schema, roll-ups filled by their triggers), then `main.ts up` on
 * that home and
 * 1. the overview API (`/dashboard/api/overview`, a month of totals and a 30-day series) timed;
 * 2. the metered added latency with a dashboard open and streaming vs none, interleaved: an open
 *    dashboard here is what the page does, an SSE stream plus the overview reloaded after new
 *    calls as throttled as the page throttles it (at most every max(2 s, 40 × its last load)).
 */
import type { Bench, BenchContext, BenchOutcome } from "./bench_types.ts";
import { readMachineInfo } from "./machine_info.ts";
import { parsePositiveOptions } from "./parse_positive_options.ts";
import { generateCalls } from "./dashboard_rows.ts";
import type { MeteredRoute } from "./metered_client.ts";
import { measureLatency } from "./metered_load.ts";
import { startHalton, startUpstream, UPSTREAM_HOST } from "./metered_setup.ts";
import { makeTempDir } from "./make_temp_dir.ts";
import { median, percentile } from "./percentile.ts";

const USAGE = `bench dashboard options:
  --rows N       generated calls (default 1000000)
  --samples N    overview requests timed (default 30)
  --requests N   latency requests per side (default 4000)
  --rounds N     interleaved latency rounds (default 8)`;

/** An open dashboard: the event stream, and the overview reloaded after calls, throttled. */
function openDashboard(base: string, cookie: string) {
  const stop = new AbortController();
  let loads = 0;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  const done = (async () => {
    const res = await fetch(`${base}/dashboard/api/events`, {
      headers: { cookie },
      signal: stop.signal,
    });
    reader = res.body!.getReader();
    let lastMs = 0;
    let due = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const reload = async () => {
      timer = undefined;
      const t0 = performance.now();
      await (await fetch(`${base}/dashboard/api/overview?tz=UTC`, { headers: { cookie } })).text();
      lastMs = performance.now() - t0;
      loads++;
    };
    try {
      for (;;) {
        const { done } = await reader!.read();
        if (done) break;
        due = true;
        if (due && timer === undefined && !stop.signal.aborted) {
          due = false;
          timer = setTimeout(reload, Math.max(2000, lastMs * 40));
        }
      }
    } catch { /* aborted */ }
    clearTimeout(timer);
  })();
  return {
    loads: () => loads,
    close: async () => {
      stop.abort();
      // Aborting the fetch does not always end a read pending on an idle stream: cancel it too,
      // and never wait on it for long.
      await reader?.cancel().catch(() => {});
      let t: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([done, new Promise((r) => t = setTimeout(r, 5000))]);
      clearTimeout(t);
    },
  };
}

async function run(ctx: BenchContext): Promise<BenchOutcome> {
  const defaults = { rows: 1_000_000, samples: 30, requests: 4000, rounds: 8 };
  const o = parsePositiveOptions(ctx.args, defaults);
  if (o === null) return { kind: "usage-error", message: USAGE };
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const machine = await readMachineInfo();
  const upstream = await startUpstream(ctx.scope);
  const home = await makeTempDir(ctx.scope, "halton-bench-dashboard-");
  const now = Date.now();
  ctx.log(`generating ${o.rows} calls...`);
  const genSeconds = generateCalls(`${home}/db.sqlite`, o.rows, now, 30 * 86_400_000);
  const halton = await startHalton(ctx.scope, upstream, { home, readyTimeoutMs: 120_000 });
  const ports = JSON.parse(await Deno.readTextFile(`${home}/effective-ports.json`));
  const token = (await Deno.readTextFile(`${home}/api-token`)).trim();
  const base = `http://127.0.0.1:${ports.api}`;
  const minted = await (await fetch(`${base}/v1/dashboard/login-codes`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
  })).json();
  const login = await fetch(minted.url, { redirect: "manual" });
  await login.body?.cancel();
  const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0];

  const time = async (path: string, n: number) => {
    const ms: number[] = [];
    for (let i = 0; i < n + 2; i++) {
      const t = performance.now();
      const res = await fetch(`${base}${path}`, { headers: { cookie } });
      if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status}`);
      await res.text();
      if (i >= 2) ms.push(performance.now() - t);
    }
    return ms;
  };
  ctx.log("timing the overview...");
  const overview = await time(
    "/dashboard/api/overview?tz=Europe%2FParis&range=30d&by=model",
    o.samples,
  );
  const byProject = await time(
    "/dashboard/api/overview?tz=Europe%2FParis&range=30d&by=project",
    o.samples,
  );
  const month = await time(
    "/dashboard/api/breakdown?tz=Europe%2FParis&by=model&range=month",
    o.samples,
  );

  const route: MeteredRoute = {
    kind: "proxy",
    proxyPort: halton.edgePort,
    connectTo: `${UPSTREAM_HOST}:443`,
    sni: UPSTREAM_HOST,
    caPem: halton.caPem,
  };
  const direct: MeteredRoute = {
    kind: "direct",
    port: upstream.port,
    sni: UPSTREAM_HOST,
    caPem: upstream.ca.caPem,
  };
  const lat = { none: [] as number[], open: [] as number[], direct: [] as number[] };
  let reloads = 0;
  const perRound = Math.ceil(o.requests / o.rounds);
  for (let i = 0; i < o.rounds; i++) {
    ctx.log(`latency round ${i + 1}/${o.rounds}`);
    lat.direct.push(...await measureLatency(direct, 50, perRound, ctx.scope.signal));
    for (const side of i % 2 === 0 ? ["none", "open"] as const : ["open", "none"] as const) {
      const dash = side === "open" ? openDashboard(base, cookie) : null;
      if (dash) await new Promise((r) => setTimeout(r, 300));
      lat[side].push(...await measureLatency(route, 50, perRound, ctx.scope.signal));
      if (dash) {
        reloads += dash.loads();
        await dash.close();
      }
    }
  }
  const health = await (await fetch(`${base}/health`)).json();
  const p50 = (xs: number[]) => percentile(xs, 50);
  const added = (xs: number[]) => p50(xs) - p50(lat.direct);
  const rise = added(lat.open) / added(lat.none) - 1;
  const overviewMet = median(overview) <= 200;
  const latencyMet = rise <= 0.05;
  const f = (ms: number) => `${ms.toFixed(1)} ms`;
  const us = (ms: number) => `${(ms * 1000).toFixed(0)} µs`;
  const report = [
    `Run ${startedAt}, ${((performance.now() - t0) / 1000).toFixed(0)} s, \`${ctx.command}\`;`,
    `${machine.nproc} CPUs (${machine.cpuModel}), load ${machine.loadAverage}, Deno ${machine.deno}.`,
    "",
    "### Dashboard: 1,000,000 calls over 30 days",
    "",
    `${o.rows} generated calls (3 providers, 8 models, 12 projects, 4 clients, 3 keys; 3% other`,
    `requests, 1% blocked) inserted through the real schema in ${genSeconds.toFixed(0)} s, so the`,
    "roll-up triggers filled `rollup_15m` and the narrow roll-ups; then `main.ts up` on that home.",
    "",
    "| what (HTTP, signed-in cookie) | median | p95 | max | target | verdict |",
    "|---|---|---|---|---|---|",
    `| overview, month + 30-day series by model (${o.samples} requests) | ${
      f(median(overview))
    } | ${f(percentile(overview, 95))} | ${f(Math.max(...overview))} | ≤ 200 ms | ${
      overviewMet ? "met" : "miss"
    } |`,
    `| overview, series by project | ${f(median(byProject))} | ${f(percentile(byProject, 95))} | ${
      f(Math.max(...byProject))
    } | | |`,
    `| breakdown by model, this month | ${f(median(month))} | ${f(percentile(month, 95))} | ${
      f(Math.max(...month))
    } | | |`,
    "",
    `Metered added latency (p50 minus direct p50 ${f(p50(lat.direct))}), ${o.rounds} interleaved`,
    `rounds of ${perRound} sequential keep-alive requests per side; "open" = an SSE stream plus the`,
    `overview reloaded after new calls as the page throttles it (${reloads} reloads in all):`,
    "",
    "| | no dashboard | dashboard open and streaming | rise | target | verdict |",
    "|---|---|---|---|---|---|",
    `| added latency p50 | ${us(added(lat.none))} | ${us(added(lat.open))} | ${
      (rise * 100).toFixed(1)
    }% | ≤ +5% | ${latencyMet ? "met" : "miss"} |`,
    `| latency p99 | ${f(percentile(lat.none, 99))} | ${f(percentile(lat.open, 99))} | | | |`,
    `| latency p99.9 | ${f(percentile(lat.none, 99.9))} | ${f(percentile(lat.open, 99.9))} | | | |`,
    `| latency max | ${f(Math.max(...lat.none))} | ${f(Math.max(...lat.open))} | | | |`,
    "",
    `Store after the run: ${health.store.dropped} rows dropped, ${health.store.queued} queued.`,
  ].join("\n");
  return { kind: "done", report, allTargetsMet: overviewMet && latencyMet };
}

export const dashboardBench: Bench = { usage: USAGE, run };
