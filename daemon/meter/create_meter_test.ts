import assert from "node:assert/strict";
import type { CallRecord } from "../../core/mod.ts";
import { createMeter, SELF_TEST_HEADER } from "./create_meter.ts";

const TESTDATA = new URL("../../adapters/testdata/", import.meta.url).pathname;

function setup() {
  const rows: CallRecord[] = [];
  const logs: string[] = [];
  const meter = createMeter({
    enqueue: (r) => rows.push(r),
    log: { log: (_l, m) => logs.push(m) },
    newId: () => `id-${rows.length}`,
  });
  return { rows, logs, meter };
}

async function replay(name: string, opts: { auth?: string; key?: string; split?: number } = {}) {
  const ex = JSON.parse(await Deno.readTextFile(`${TESTDATA}${name}.exchange.json`));
  const dir = name.slice(0, name.lastIndexOf("/") + 1);
  const req = await Deno.readFile(`${TESTDATA}${name}.request.json`);
  const resp = await Deno.readFile(`${TESTDATA}${dir}${ex.responseFile}`);
  const s = setup();
  const headers = new Headers(ex.requestHeaders);
  headers.set("user-agent", "claude-cli/2.0.14 (external, cli)");
  if (opts.key) headers.set("x-api-key", opts.key);
  const obs = s.meter({
    host: ex.host,
    port: 443,
    method: ex.method,
    path: ex.path,
    query: ex.query,
    headers,
    proxyAuthorization: opts.auth ?? null,
    startedAt: 1_763_900_000_000,
    connection: { client: null },
  });
  obs.onRequestBody!(req.subarray(0, 7));
  obs.onRequestBody!(req.subarray(7));
  obs.onResponseHead!({ status: ex.status, headers: new Headers(ex.responseHeaders) });
  const step = opts.split ?? 13;
  for (let i = 0; i < resp.length; i += step) obs.onResponseBody!(resp.subarray(i, i + step));
  obs.onEnd!({
    endedAt: 1_763_900_001_500,
    ttfbMs: 120,
    bytesUp: req.length,
    bytesDown: resp.length,
    status: ex.status,
  });
  const expected = JSON.parse(await Deno.readTextFile(`${TESTDATA}${name}.expected.json`));
  return { ...s, expected, ex };
}

Deno.test("meter: a streamed Anthropic call becomes one priced row with attribution", async () => {
  const key = "sk-ant-api03-SECRETSECRETSECRET";
  const { rows, expected } = await replay("anthropic/stream_cache_5m_1h", {
    auth: `Basic ${btoa("billing-service:")}`,
    key,
  });
  assert.equal(rows.length, 1);
  const r = rows[0];
  assert.deepEqual(r.usage, expected);
  assert.equal(r.provider, "anthropic");
  assert.equal(r.endpoint, "messages");
  assert.equal(r.stream, true);
  assert.equal(r.status, 200);
  assert.equal(r.project, "billing-service");
  assert.equal(r.projectSource, "proxy_auth");
  assert.equal(r.client, "claude-code");
  assert.match(r.apiKeyFingerprint ?? "", /^[0-9a-f]{8}$/);
  assert.equal(r.providerRequestId, "req_011CUqZ5n3F9pXw8dHkGk7aQ");
  assert.equal(r.rateLimit?.["anthropic-ratelimit-requests-remaining"], "3999");
  assert.equal(r.durationMs, 1500);
  assert.ok(r.cost.totalUsd !== null && r.cost.totalUsd > 0, JSON.stringify(r.cost));
  assert.equal(r.cost.unpricedReason, null);
  assert.equal(JSON.stringify(r).includes("SECRET"), false, "API key leaked into the row");
  assert.equal(r.selfTest, false);
});

Deno.test("meter: upstream failure before a response still records a row", () => {
  const s = setup();
  const obs = s.meter({
    host: "api.openai.com",
    port: 443,
    method: "POST",
    path: "/v1/chat/completions",
    query: "",
    headers: new Headers({ [SELF_TEST_HEADER]: "1" }),
    proxyAuthorization: null,
    startedAt: 1000,
    connection: { client: null },
  });
  obs.onRequestBody!(new TextEncoder().encode('{"model":"gpt-4o","messages":[]}'));
  obs.onEnd!({
    endedAt: 1100,
    ttfbMs: null,
    bytesUp: 10,
    bytesDown: 0,
    status: 502,
    error: { kind: "upstream_refused", message: "connection refused" },
  });
  assert.equal(s.rows.length, 1);
  const r = s.rows[0];
  assert.equal(r.status, 502);
  assert.equal(r.requestModel, "gpt-4o");
  assert.equal(r.usage.errorType, "upstream_refused");
  assert.equal(r.cost.totalUsd, null);
  assert.equal(r.selfTest, true);
});

Deno.test("meter: a throwing store is contained and logged", () => {
  const logs: string[] = [];
  const meter = createMeter({
    enqueue: () => {
      throw new Error("disk on fire");
    },
    log: { log: (_l, m) => logs.push(m) },
  });
  const obs = meter({
    host: "api.anthropic.com",
    port: 443,
    method: "GET",
    path: "/v1/models",
    query: "",
    headers: new Headers(),
    proxyAuthorization: null,
    startedAt: 0,
    connection: { client: null },
  });
  obs.onResponseHead!({ status: 200, headers: new Headers() });
  obs.onResponseBody!(new Uint8Array([1, 2, 3]));
  obs.onEnd!({ endedAt: 1, ttfbMs: 1, bytesUp: 0, bytesDown: 3, status: 200 });
  assert.equal(logs.length, 1);
  assert.match(logs[0], /record failed/);
});

/** One GET /v1/models call through `meter`, ended at once; returns what the lookup was asked. */
function oneCall(
  meter: ReturnType<typeof createMeter>,
  opts: { auth?: string; headers?: Record<string, string> } = {},
) {
  const connection = { client: { port: 50001, serverPort: 8081 } };
  const obs = meter({
    host: "api.anthropic.com",
    port: 443,
    method: "GET",
    path: "/v1/models",
    query: "",
    headers: new Headers(opts.headers),
    proxyAuthorization: opts.auth ?? null,
    startedAt: 0,
    connection,
  });
  obs.onResponseHead!({ status: 200, headers: new Headers() });
  obs.onEnd!({ endedAt: 1, ttfbMs: 1, bytesUp: 0, bytesDown: 0, status: 200 });
  return connection;
}

function withLookup(lookup: () => Promise<{ project: string; source: "process_cwd" } | null>) {
  const rows: CallRecord[] = [];
  const asked: unknown[] = [];
  const meter = createMeter({
    enqueue: (r) => rows.push(r),
    log: { log: () => {} },
    processProjectWaitMs: 50,
    processProject: (c) => {
      asked.push(c);
      return lookup();
    },
  });
  return { rows, asked, meter };
}

Deno.test("meter: without proxy auth or header, the row waits for the process project", async () => {
  let resolve!: (p: { project: string; source: "process_cwd" }) => void;
  const s = withLookup(() => new Promise((r) => resolve = r));
  const connection = oneCall(s.meter);
  assert.deepEqual(s.asked, [connection], "asked with the request's connection");
  assert.equal(s.rows.length, 0, "the row waits, not the call");
  resolve({ project: "acme-widgets", source: "process_cwd" });
  await s.meter.settled();
  assert.equal(s.rows.length, 1);
  assert.equal(s.rows[0].project, "acme-widgets");
  assert.equal(s.rows[0].projectSource, "process_cwd");
  // A lookup answered before the call ends (later requests on a connection): the row goes
  // with onEnd, not a tick later.
  const ready = withLookup(() => Promise.resolve({ project: "p", source: "process_cwd" }));
  const obs = ready.meter({
    host: "api.anthropic.com",
    port: 443,
    method: "GET",
    path: "/v1/models",
    query: "",
    headers: new Headers(),
    proxyAuthorization: null,
    startedAt: 0,
    connection,
  });
  await Promise.resolve();
  obs.onEnd!({ endedAt: 1, ttfbMs: 1, bytesUp: 0, bytesDown: 0, status: 200 });
  assert.equal(ready.rows.length, 1);
  assert.equal(ready.rows[0].project, "p");
});

Deno.test("meter: proxy auth, the header and self-tests skip the process lookup", async () => {
  const s = withLookup(() => Promise.resolve({ project: "from-cwd", source: "process_cwd" }));
  oneCall(s.meter, { auth: `Basic ${btoa("billing:x")}` });
  oneCall(s.meter, { headers: { "x-halton-project": "web" } });
  oneCall(s.meter, { headers: { [SELF_TEST_HEADER]: "1" } });
  await s.meter.settled();
  assert.deepEqual(s.asked, []);
  assert.deepEqual(s.rows.map((r) => [r.project, r.projectSource]), [
    ["billing", "proxy_auth"],
    ["web", "header"],
    [null, null],
  ]);
});

Deno.test("meter: a lookup that never answers, rejects or throws still gets its row written", async () => {
  for (
    const lookup of [
      () => new Promise<null>(() => {}),
      () => Promise.reject(new Error("no")),
      () => {
        throw new Error("sync");
      },
      () => Promise.resolve(null),
    ]
  ) {
    const s = withLookup(lookup);
    const t0 = performance.now();
    oneCall(s.meter);
    await s.meter.settled();
    assert.ok(performance.now() - t0 < 2000);
    assert.equal(s.rows.length, 1, String(lookup));
    assert.equal(s.rows[0].project, null);
    assert.equal(s.rows[0].projectSource, null);
  }
});
