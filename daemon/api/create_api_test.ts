import assert from "node:assert/strict";
import type { CallRecord } from "../../core/call_record.ts";
import { emptyUsage } from "../../core/usage.ts";
import { openStore, type Store, type StoreState } from "../store/mod.ts";
import { createApi, type StoreLike } from "./create_api.ts";

const TOKEN = "0123456789abcdef".repeat(4);
const T0 = Date.UTC(2025, 5, 1);
const AUTH = { Authorization: `Bearer ${TOKEN}` };

function record(id: string, startedAt: number, over: Partial<CallRecord> = {}): CallRecord {
  return {
    id,
    startedAt,
    endedAt: startedAt + 100,
    durationMs: 100,
    ttfbMs: 10,
    provider: "anthropic",
    host: "api.anthropic.com",
    method: "POST",
    path: "/v1/messages",
    endpoint: "messages",
    requestModel: "claude-haiku-4-5",
    stream: false,
    status: 200,
    usage: { ...emptyUsage(), inputTokens: 10, outputTokens: 5, completeness: "complete" },
    cost: {
      totalUsd: 0.5,
      inputUsd: 0.2,
      cacheReadUsd: null,
      cacheWriteUsd: null,
      outputUsd: 0.3,
      unpricedReason: null,
      priceVersion: "test",
    },
    project: "alpha",
    projectSource: "header",
    client: "curl",
    apiKeyFingerprint: null,
    providerRequestId: null,
    rateLimit: null,
    bytesUp: 1,
    bytesDown: 2,
    selfTest: false,
    ...over,
  };
}

async function withApi(
  fn: (request: (path: string, init?: RequestInit) => Promise<Response>, store: Store) => unknown,
  overrideStore?: (store: Store) => StoreLike,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  const store = openStore({ path: `${dir}/db.sqlite`, spoolPath: `${dir}/spool.jsonl` });
  try {
    store.enqueue(record("c1", T0, { project: "alpha" }));
    store.enqueue(record("c2", T0 + 1000, { project: "beta", provider: "openai" }));
    store.enqueue(record("c3", T0 + 2000, { project: "alpha", requestModel: "claude-opus-4-1" }));
    store.enqueue(record("st", T0 + 3000, { selfTest: true }));
    await store.flush();
    const app = createApi({
      store: overrideStore ? overrideStore(store) : store,
      token: TOKEN,
      version: "9.9.9",
      startedAt: 1_000_000,
      pid: 4242,
      ports: () => ({ edge: 8081, internal: 8090, api: 8765 }),
      now: () => 1_061_500,
      log: () => {},
    });
    const request = (path: string, init?: RequestInit) =>
      Promise.resolve(app.request(`http://127.0.0.1:8765${path}`, init));
    await fn(request, store);
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

async function errorOf(res: Response): Promise<{ type: string; message: string }> {
  const body = await res.json();
  assert.equal(typeof body?.error?.message, "string", JSON.stringify(body));
  return body.error;
}

function assertNoCors(res: Response): void {
  for (const [name] of res.headers) assert.ok(!name.startsWith("access-control-"), name);
}

Deno.test("GET /health answers without a token", () =>
  withApi(async (request) => {
    const res = await request("/health");
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      status: "ok",
      version: "9.9.9",
      pid: 4242,
      uptime_s: 61,
      ports: { edge: 8081, internal: 8090, api: 8765 },
      store: {
        state: "ok",
        queued: 0,
        spooled: 0,
        dropped: 0,
        memoryOnly: 0,
        memoryCap: 50_000,
        spoolBytes: 0,
        spoolFileBytes: 16 << 20,
        spoolReserveBytes: 16 << 20,
      },
    });
    assertNoCors(res);
  }));

Deno.test("GET /health reports a degraded store as degraded, still 200", () =>
  withApi(
    async (request) => {
      const res = await request("/health");
      assert.equal(res.status, 200);
      const body = await res.json();
      assert.equal(body.status, "degraded");
      assert.equal(body.store.reason, "database is locked");
      assert.equal(body.store.cause, "locked");
    },
    (store) => ({
      ...store,
      state: (): StoreState => ({
        state: "degraded",
        cause: "locked",
        reason: "database is locked",
        queued: 0,
        spooled: 3,
        dropped: 0,
        memoryOnly: 0,
        memoryCap: 50_000,
        spoolBytes: 3700,
        spoolFileBytes: 16 << 20,
        spoolReserveBytes: 16 << 20,
      }),
    }),
  ));

Deno.test("/v1/* needs the right bearer token", () =>
  withApi(async (request) => {
    for (
      const headers of [
        {} as Record<string, string>,
        { Authorization: "Bearer wrong" },
        { Authorization: `Bearer ${TOKEN}x` },
        { Authorization: `Basic ${TOKEN}` },
        { Authorization: TOKEN },
      ]
    ) {
      const res = await request("/v1/calls", { headers });
      assert.equal(res.status, 401, JSON.stringify(headers));
      assert.equal((await errorOf(res)).type, "unauthorized");
      assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer/);
    }
    const ok = await request("/v1/calls", { headers: { Authorization: `bearer  ${TOKEN}` } });
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
  }));

Deno.test("any route refuses a non-loopback Host (DNS rebinding)", () =>
  withApi(async (request) => {
    for (const host of ["evil.com", "127.0.0.1.evil.com", "evil.com:8765", "localhost.evil.com"]) {
      for (const path of ["/health", "/v1/calls", "/nope"]) {
        const res = await request(path, { headers: { ...AUTH, Host: host } });
        assert.equal(res.status, 403, `${host} ${path}`);
        assert.equal((await errorOf(res)).type, "forbidden");
        assertNoCors(res);
      }
    }
    for (const host of ["localhost:8765", "[::1]:8765", "127.0.0.1"]) {
      const res = await request("/health", { headers: { Host: host } });
      assert.equal(res.status, 200, host);
      await res.body?.cancel();
    }
  }));

Deno.test("GET /v1/calls filters, pages with next_cursor, leaves self-tests out", () =>
  withApi(async (request) => {
    const get = async (q: string) => {
      const res = await request(`/v1/calls${q}`, { headers: AUTH });
      assert.equal(res.status, 200, q);
      assertNoCors(res);
      return await res.json();
    };
    const all = await get("");
    assert.deepEqual(all.calls.map((c: { id: string }) => c.id), ["c3", "c2", "c1"]);
    assert.equal(all.next_cursor, null);
    assert.equal(all.calls[0].input_tokens, 10);
    assert.equal(all.calls[0].stream, false);

    const ids = async (q: string) => (await get(q)).calls.map((c: { id: string }) => c.id);
    assert.deepEqual(await ids("?project=alpha"), ["c3", "c1"]);
    assert.deepEqual(await ids("?provider=openai"), ["c2"]);
    assert.deepEqual(await ids("?model=claude-opus-4-1"), ["c3"]);
    assert.deepEqual(await ids(`?since=${T0 + 1000}`), ["c3", "c2"]);
    assert.deepEqual(await ids("?until=2025-06-01T00:00:01Z"), ["c1"]);
    assert.deepEqual(await ids("?since=2025-06-01&until=2025-06-01T00:00:01.500Z"), ["c2", "c1"]);
    assert.deepEqual(await ids("?include_self_test=true"), ["st", "c3", "c2", "c1"]);

    const page1 = await get("?limit=2");
    assert.deepEqual(page1.calls.map((c: { id: string }) => c.id), ["c3", "c2"]);
    assert.equal(typeof page1.next_cursor, "string");
    const page2 = await get(`?limit=2&cursor=${encodeURIComponent(page1.next_cursor)}`);
    assert.deepEqual(page2.calls.map((c: { id: string }) => c.id), ["c1"]);
    assert.equal(page2.next_cursor, null);
  }));

Deno.test("GET /v1/calls rejects bad parameters with 400 naming the parameter", () =>
  withApi(async (request) => {
    const cases: [string, RegExp][] = [
      ["?since=yesterday", /^since "yesterday": expected an ISO 8601/],
      ["?until=2025-13-45T99:00", /^until "2025-13-45T99:00": expected/],
      ["?limit=0", /^limit "0": expected an integer from 1 to 1000/],
      ["?limit=1001", /^limit "1001": expected/],
      ["?limit=ten", /^limit "ten": expected/],
      ["?cursor=abc", /^cursor "abc": expected the next_cursor/],
      ["?project=", /^project "": expected a non-empty name/],
      ["?include_self_test=maybe", /^include_self_test "maybe": expected true or false/],
      ["?projct=alpha", /^unknown parameter "projct": expected one of since, until/],
      ["?limit=1&limit=2", /^limit given twice/],
      [`?since=${T0 + 5}&until=${T0}`, /^until "\d+": expected a time after since/],
    ];
    for (const [q, pattern] of cases) {
      const res = await request(`/v1/calls${q}`, { headers: AUTH });
      assert.equal(res.status, 400, q);
      const error = await errorOf(res);
      assert.equal(error.type, "invalid_request");
      assert.match(error.message, pattern, q);
    }
  }));

Deno.test("GET /v1/summary groups, totals, and validates group_by", () =>
  withApi(async (request) => {
    const res = await request("/v1/summary?group_by=project", { headers: AUTH });
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.group_by, "project");
    assert.deepEqual(
      body.rows.map((r: { key: string; calls: number }) => [r.key, r.calls]),
      [["alpha", 2], ["beta", 1]],
    );
    assert.equal(body.totals.calls, 3);
    assert.equal(body.totals.cost_usd, 1.5);
    assert.equal(body.totals.input_tokens, 30);

    const days = await (await request("/v1/summary?project=alpha", { headers: AUTH })).json();
    assert.equal(days.group_by, "day");
    assert.deepEqual(days.rows.map((r: { key: string }) => r.key), ["2025-06-01"]);

    const bad = await request("/v1/summary?group_by=week", { headers: AUTH });
    assert.equal(bad.status, 400);
    assert.match((await errorOf(bad)).message, /^group_by "week": expected one of day, project/);
  }));

Deno.test("unknown routes are 404 JSON; store and internal failures do not leak", () =>
  withApi(
    async (request) => {
      const missing = await request("/nope");
      assert.equal(missing.status, 404);
      assert.equal((await errorOf(missing)).type, "not_found");
      const post = await request("/v1/calls", { method: "POST", headers: AUTH });
      assert.equal(post.status, 404);
      await post.body?.cancel();

      const crash = await request("/v1/summary", { headers: AUTH });
      assert.equal(crash.status, 500);
      const error = await errorOf(crash);
      assert.equal(error.type, "internal_error");
      assert.doesNotMatch(error.message, /secret/);
    },
    (store) => ({
      ...store,
      listCalls: store.listCalls,
      summarize: () => {
        throw new Error("secret internals at /root/.halton-meter");
      },
    }),
  ));

Deno.test("a database that cannot be read answers 503 store_unavailable", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/db.sqlite`, "not a database ".repeat(300));
  const store = openStore({
    path: `${dir}/db.sqlite`,
    spoolPath: `${dir}/spool.jsonl`,
    deps: { timers: { schedule: () => () => {} } },
  });
  try {
    const app = createApi({
      store,
      token: TOKEN,
      version: "0",
      startedAt: 0,
      pid: 1,
      ports: () => ({ edge: 1, internal: 2, api: 3 }),
    });
    const res = await app.request("http://127.0.0.1/v1/calls", { headers: AUTH });
    assert.equal(res.status, 503);
    assert.equal((await errorOf(res)).type, "store_unavailable");
    const health = await (await app.request("http://127.0.0.1/health")).json();
    assert.equal(health.status, "degraded");
    assert.match(health.store.reason, /not a database/);
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("API: /v1/budgets, /v1/quota and /v1/policy serve the policy engine; /health shows it", async () => {
  const budget = { id: "weekly", state: "warn", spent_usd: 33 } as unknown;
  const state = {
    state: "invalid",
    path: "/x/policy.json",
    rules: 1,
    budgets: 1,
    quota: 0,
    loadedAt: T0,
    error: 'Invalid policy /x/policy.json: rules[0].action = "blok": expected allow, warn or block',
    evaluationErrors: 0,
  } as const;
  const quota = [{ account: "abcd1234", windows: [{ name: "5h", utilization: 0.4 }] }] as unknown;
  const store: StoreLike = {
    state: () => ({
      state: "ok",
      queued: 0,
      spooled: 0,
      dropped: 0,
      memoryOnly: 0,
      memoryCap: 50_000,
      spoolBytes: 0,
      spoolFileBytes: 0,
      spoolReserveBytes: 0,
    }),
    listCalls: () => ({ calls: [], nextCursor: null }),
    summarize: () => [],
  };
  const app = createApi({
    store,
    token: TOKEN,
    version: "t",
    startedAt: T0,
    pid: 1,
    ports: () => ({ edge: 1, internal: 2, api: 3 }),
    policy: {
      state: () => ({ ...state }),
      budgets: () => [budget] as never,
      quota: () => quota as never,
    },
  });
  const get = (path: string, auth = true) =>
    app.request(`http://127.0.0.1${path}`, { headers: auth ? AUTH : {} });
  assert.equal((await get("/v1/budgets", false)).status, 401);
  const b = await (await get("/v1/budgets")).json();
  assert.deepEqual(b, { policy: state, budgets: [budget] });
  assert.deepEqual(await (await get("/v1/quota")).json(), { accounts: quota });
  assert.deepEqual(await (await get("/v1/policy")).json(), state);
  const health = await (await get("/health", false)).json();
  assert.equal(health.policy.state, "invalid");
});

Deno.test("GET /v1/report groups by time and keys; bad parameters are 400 naming them", () =>
  withApi(async (request) => {
    const res = await request("/v1/report?group_by=day&group_by=project&tz=UTC", { headers: AUTH });
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.deepEqual(body.group_by, ["day", "project"]);
    assert.deepEqual(
      body.rows.map((r: { keys: unknown[]; calls: number }) => [r.keys, r.calls]),
      [[["2025-06-01", "alpha"], 2], [["2025-06-01", "beta"], 1]],
    );
    assert.equal(body.totals.calls, 3, "the self-test row is not counted");
    assert.equal(body.totals.cost_usd, 1.5);
    const filtered = await (await request("/v1/report?group_by=model&project=alpha", {
      headers: AUTH,
    })).json();
    assert.deepEqual(filtered.rows.map((r: { keys: unknown[] }) => r.keys[0]), [
      "claude-haiku-4-5",
      "claude-opus-4-1",
    ]);
    for (
      const [q, re] of [
        ["group_by=fortnight", /group_by "fortnight": expected one of hour, day/],
        ["group_by=day&group_by=day", /given twice/],
        ["tz=Mars/Olympus", /tz "Mars\/Olympus": expected an IANA time zone/],
        ["since=yesterday", /since "yesterday"/],
        ["colour=red", /unknown parameter "colour"/],
      ] as const
    ) {
      const bad = await request(`/v1/report?${q}`, { headers: AUTH });
      assert.equal(bad.status, 400, q);
      assert.match((await errorOf(bad)).message, re);
    }
    assert.equal((await request("/v1/report")).status, 401);
  }));
