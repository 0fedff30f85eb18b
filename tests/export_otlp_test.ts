/**
 * OTLP export through the whole chain: `main.ts up` against the fake provider, real calls with
 * curl through the proxy, spans decoded by an OTLP receiver built on the official proto
 * definitions. The receiver is stopped while calls go on and started again: every call arrives,
 * once by span id (a repeat only as an exact copy), with the attributes of its row.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { run } from "./_support/net.ts";
import { api, curlArgs, type Meter, type Row, startMeter, stopMeter } from "./_support/meter.ts";
import { type ReceivedSpan, startOtlpReceiver } from "./_support/otlp_receiver.ts";
import { MAIN } from "./_support/role_process.ts";
import { loadJsonSchema, validateJsonSchema } from "./_support/json_schema.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const BODY = Deno.readTextFileSync(`${ROOT}adapters/testdata/anthropic/plain.request.json`);

async function call(m: Meter, project: string): Promise<void> {
  const r = await run("curl", [
    ...curlArgs(m, project, "sk-ant-test-EXPORT-KEY-000", ["-d", BODY]),
    "https://api.anthropic.com/v1/messages",
  ]);
  assert.equal(r.code, 0, r.stderr);
}

async function until<T>(what: string, fn: () => Promise<T | null> | T | null, ms = 30_000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== null && v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function allRows(m: Meter): Promise<Row[]> {
  const r = await api(m, "/v1/calls?limit=1000");
  assert.equal(r.status, 200);
  return r.body.calls;
}

const spanIdOf = (id: string) => createHash("sha256").update(id).digest("hex").slice(0, 16);

function assertSpanMatchesRow(s: ReceivedSpan, row: Row): void {
  const a = s.attributes;
  assert.equal(s.traceId, String(row.id).replaceAll("-", ""));
  assert.equal(s.spanId, spanIdOf(String(row.id)));
  assert.equal(s.kind, 3, "SPAN_KIND_CLIENT");
  assert.equal(s.name, `chat ${row.request_model}`);
  assert.equal(s.startNs, BigInt(row.started_at as number) * 1_000_000n);
  assert.equal(s.endNs, BigInt(row.ended_at as number) * 1_000_000n);
  assert.equal(a["gen_ai.operation.name"], "chat");
  assert.equal(a["gen_ai.provider.name"], "anthropic");
  assert.equal(a["gen_ai.request.model"], row.request_model);
  assert.equal(a["gen_ai.response.model"], row.response_model);
  assert.equal(a["gen_ai.usage.input_tokens"], row.input_tokens);
  assert.equal(a["gen_ai.usage.output_tokens"], row.output_tokens);
  assert.equal(a["gen_ai.usage.cache_read.input_tokens"], row.cache_read_tokens);
  assert.equal(
    a["gen_ai.usage.cache_creation.input_tokens"],
    (row.cache_write_5m_tokens as number) + (row.cache_write_1h_tokens as number),
  );
  assert.equal(a["server.address"], "api.anthropic.com");
  assert.equal(a["error.type"], undefined);
  assert.equal(a["halton_meter.cost.usd"], row.cost_usd);
  assert.equal(a["halton_meter.cost.input_usd"], row.cost_input_usd);
  assert.equal(a["halton_meter.cost.output_usd"], row.cost_output_usd);
  assert.equal(a["halton_meter.price_version"], row.price_version);
  assert.equal(a["halton_meter.project"], row.project);
  assert.equal(a["halton_meter.client"], row.client);
  assert.equal(a["halton_meter.api_key.fingerprint"], row.api_key_fp);
  assert.match(String(row.api_key_fp), /^[0-9a-f]{8}$/);
  assert.ok(!JSON.stringify([s.attributes, s.resource, s.name]).includes("EXPORT-KEY"), "no key");
  assert.equal(s.resource["service.name"], "halton-meter");
  assert.equal(s.resource["user.name"], "alice");
}

Deno.test("OTLP export: exact spans, none lost or changed across a collector outage", async () => {
  const receiver = startOtlpReceiver();
  const m = await startMeter("hm-otlp-", {
    config: {
      export: {
        otlp: {
          endpoint: receiver.url,
          interval_ms: 200,
          metrics_interval_ms: 1000,
          batch_size: 4,
          resource_attributes: { "user.name": "alice" },
        },
      },
    },
  });
  try {
    for (let i = 0; i < 5; i++) await call(m, `team-${i % 2}`);
    await until("5 spans", () => receiver.spans.length >= 5 ? true : null);
    const first = await allRows(m);
    assert.equal(first.length, 5);
    for (const row of first) {
      const s = receiver.spans.find((x) => x.traceId === String(row.id).replaceAll("-", ""));
      assert.ok(s, `no span for call ${row.id}`);
      assertSpanMatchesRow(s, row);
    }

    // The collector goes away; calls go on and wait in the database.
    await receiver.stop();
    for (let i = 0; i < 6; i++) await call(m, "during-outage");
    const health = await until("the exporter to report the outage", async () => {
      const h = (await api(m, "/health")).body;
      return h.export?.state === "retrying" && h.export.rowsBehind >= 6 ? h.export : null;
    });
    assert.ok(health.oldestUnexportedAgeS >= 0);
    assert.match(health.traces.lastError, /POST http:\/\/127\.0\.0\.1:\d+\/v1\/traces/);

    const status = await run(Deno.execPath(), ["run", "-A", MAIN, "status", "--json"], {
      HALTON_METER_HOME: m.home,
    });
    const out = JSON.parse(status.stdout);
    const schema = await loadJsonSchema(new URL("../docs/status.schema.json", import.meta.url));
    assert.deepEqual(validateJsonSchema(schema, out), []);
    assert.equal(out.export.state, "retrying");
    assert.ok(out.export.rows_behind >= 6, JSON.stringify(out.export));

    await new Promise((r) => setTimeout(r, 1500));
    receiver.start();
    const rows = await allRows(m);
    assert.equal(rows.length, 11);
    await until("every call's span", () => {
      const ids = new Set(receiver.spans.map((s) => s.spanId));
      return rows.every((r) => ids.has(spanIdOf(String(r.id)))) ? true : null;
    }, 60_000);
    const byId = new Map<string, ReceivedSpan>();
    for (const s of receiver.spans) {
      const seen = byId.get(s.spanId);
      if (seen) {
        assert.deepEqual(
          { ...s, startNs: String(s.startNs), endNs: String(s.endNs) },
          { ...seen, startNs: String(seen.startNs), endNs: String(seen.endNs) },
          "a repeat must be an exact copy",
        );
      }
      byId.set(s.spanId, s);
    }
    assert.equal(byId.size, 11, "one span per call, no stray spans");
    for (const row of rows) assertSpanMatchesRow(byId.get(spanIdOf(String(row.id)))!, row);
    const after = await until("the exporter to catch up", async () => {
      const h = (await api(m, "/health")).body;
      return h.export?.state === "ok" && h.export.rowsBehind === 0 ? h.export : null;
    });
    assert.ok(after.exportedSpans >= 11);

    // Metrics: the cost counter is the rows' sum (cumulative, so the outage lost nothing).
    const total = rows.reduce((n, r) => n + (r.cost_usd as number), 0);
    await until("a metrics request with every call's cost", () => {
      const last = receiver.metrics.at(-1);
      const cost = last?.find((x) => x.name === "halton_meter.cost");
      const sum = cost?.points.reduce((n, p) => n + p.value, 0) ?? -1;
      return Math.abs(sum - total) < 1e-9 ? true : null;
    });
    const last = receiver.metrics.at(-1)!;
    const usage = last.find((x) => x.name === "gen_ai.client.token.usage");
    assert.ok(usage && usage.points.some((p) => p.attributes["gen_ai.token.type"] === "input"));
    const duration = last.find((x) => x.name === "gen_ai.client.operation.duration");
    assert.equal(duration?.unit, "s");
    assert.equal(duration?.points.reduce((n, p) => n + (p.count ?? 0), 0), 11);
  } finally {
    await stopMeter(m);
    await receiver.stop();
  }
});
