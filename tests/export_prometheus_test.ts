/**
 * `/metrics` scraped by a real Prometheus (Debian's `prometheus`), started here on a free
 * loopback port with its own storage and a scrape config that reads the API token from its file,
 * as docs/EXPORT.md tells users to. Real calls go through the proxy; Prometheus's query API must
 * then give the rows' exact cost sum, per project too, and calls and tokens as recorded.
 */
import assert from "node:assert/strict";
import { freePort, run } from "./_support/net.ts";
import { api, curlArgs, type Meter, type Row, startMeter, stopMeter } from "./_support/meter.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const BODY = Deno.readTextFileSync(`${ROOT}adapters/testdata/anthropic/plain.request.json`);

async function call(m: Meter, project: string, exchange = "anthropic/plain"): Promise<void> {
  const r = await run("curl", [
    ...curlArgs(m, project, "sk-ant-test-PROM-KEY-000", [
      "-H",
      `x-fake-exchange: ${exchange}`,
      "-d",
      BODY,
    ]),
    "https://api.anthropic.com/v1/messages",
  ]);
  assert.equal(r.code, 0, r.stderr);
}

async function until<T>(what: string, fn: () => Promise<T | null>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown = null;
  for (;;) {
    try {
      const v = await fn();
      if (v !== null) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (${String(last)})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(port: number, q: string): Promise<Sample[]> {
  const res = await fetch(
    `http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(q)}`,
  );
  const body = await res.json();
  if (body.status !== "success") throw new Error(`${q}: ${JSON.stringify(body)}`);
  return body.data.result;
}

Deno.test("Prometheus scrapes /metrics with the token: cost, calls and tokens equal the rows'", async () => {
  const m = await startMeter("hm-prom-");
  const dir = await Deno.makeTempDir({ prefix: "hm-prometheus-" });
  const port = freePort();
  let prom: Deno.ChildProcess | null = null;
  try {
    // Before any scrape: /metrics wants the token like /v1.
    const anon = await fetch(`http://127.0.0.1:${m.ports.api}/metrics`);
    assert.equal(anon.status, 401);
    await anon.body?.cancel();

    for (let i = 0; i < 4; i++) await call(m, i % 2 ? "alpha" : "beta");
    await call(m, "alpha", "anthropic/plain_thinking");
    await Deno.writeTextFile(
      `${dir}/prometheus.yml`,
      [
        "global:",
        "  scrape_interval: 1s",
        "scrape_configs:",
        "  - job_name: halton-meter",
        "    metrics_path: /metrics",
        "    authorization:",
        "      type: Bearer",
        `      credentials_file: ${m.home}/api-token`,
        "    static_configs:",
        `      - targets: ["127.0.0.1:${m.ports.api}"]`,
        "",
      ].join("\n"),
    );
    prom = new Deno.Command("prometheus", {
      args: [
        `--config.file=${dir}/prometheus.yml`,
        `--storage.tsdb.path=${dir}/data`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();

    const rows = await until("the five rows", async () => {
      const calls: Row[] = (await api(m, "/v1/calls?limit=1000")).body.calls;
      return calls.length === 5 ? calls : null;
    });
    const cost = (rs: Row[]) => rs.reduce((n, r) => n + (r.cost_usd as number), 0);
    const up = await until("Prometheus to scrape the daemon", async () => {
      const r = await query(port, 'up{job="halton-meter"}');
      return r.length === 1 && r[0].value[1] === "1" ? r : null;
    });
    assert.equal(up[0].metric.instance, `127.0.0.1:${m.ports.api}`);
    const total = await until("the cost of every call", async () => {
      const r = await query(port, "sum(halton_meter_cost_usd_total)");
      const v = r.length ? Number(r[0].value[1]) : -1;
      return Math.abs(v - cost(rows)) < 1e-9 ? v : null;
    });
    assert.ok(total > 0);
    const perProject = await query(port, "sum by (project) (halton_meter_cost_usd_total)");
    for (const project of ["alpha", "beta"]) {
      const got = Number(perProject.find((s) => s.metric.project === project)?.value[1]);
      const want = cost(rows.filter((r) => r.project === project));
      assert.ok(Math.abs(got - want) < 1e-9, `${project}: ${got} vs ${want}`);
    }
    const calls = await query(port, "sum(halton_meter_calls_total)");
    assert.equal(Number(calls[0].value[1]), 5);
    const input = await query(port, 'sum(halton_meter_tokens_total{type="input"})');
    assert.equal(
      Number(input[0].value[1]),
      rows.reduce((n, r) => n + (r.input_tokens as number), 0),
    );
    const latency = await query(port, "sum(halton_meter_call_duration_seconds_count)");
    assert.equal(Number(latency[0].value[1]), 5);
    const store = await query(port, "halton_meter_store_degraded");
    assert.equal(store[0].value[1], "0");
  } finally {
    if (prom) {
      try {
        prom.kill("SIGTERM");
      } catch { /* gone */ }
      await prom.status;
    }
    await stopMeter(m);
    await Deno.remove(dir, { recursive: true });
  }
});
