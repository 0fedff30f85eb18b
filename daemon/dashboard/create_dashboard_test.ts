import assert from "node:assert/strict";
import type { CallRecord } from "../../core/call_record.ts";
import { emptyUsage } from "../../core/usage.ts";
import { createApi } from "../api/mod.ts";
import { openStore, type Store } from "../store/mod.ts";
import { createCallFeed } from "./create_call_feed.ts";
import { createDashboard, DASHBOARD_CSP, SESSION_COOKIE } from "./create_dashboard.ts";
import { createDashboardAuth } from "./create_dashboard_auth.ts";

const TOKEN = "fedcba9876543210".repeat(4);
const NOW = Date.UTC(2026, 11, 3, 15, 0);
const BASE = "http://127.0.0.1:8765";

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
      totalUsd: 0.25,
      inputUsd: 0.1,
      cacheReadUsd: null,
      cacheWriteUsd: null,
      outputUsd: 0.15,
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

type Request = (path: string, init?: RequestInit) => Promise<Response>;

async function withDashboard(
  fn: (request: Request, clock: { advance(ms: number): void }, store: Store) => unknown,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  const store = openStore({ path: `${dir}/db.sqlite`, spoolPath: `${dir}/spool.jsonl` });
  let t = NOW;
  const now = () => t;
  const feed = createCallFeed({ heartbeatMs: 0 });
  try {
    store.enqueue(record("a1", NOW - 3_600_000, { project: "alpha" }));
    store.enqueue(record("b1", NOW - 2 * 86_400_000, { project: "beta", requestModel: "m2" }));
    store.enqueue(record("e1", NOW - 60_000, { status: 529, project: "alpha" }));
    store.enqueue(record("x1", NOW - 40 * 86_400_000, { project: "old" }));
    await store.flush();
    const app = createApi({
      store,
      token: TOKEN,
      version: "9.9.9",
      startedAt: NOW,
      pid: 1,
      ports: () => ({ edge: 8081, internal: 8090, api: 8765 }),
      now,
      log: () => {},
      dashboard: createDashboard({ auth: createDashboardAuth({ now }), feed, store, now }),
    });
    const request: Request = (path, init) => Promise.resolve(app.request(`${BASE}${path}`, init));
    await fn(request, { advance: (ms) => (t += ms) }, store);
  } finally {
    feed.close();
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const mint = async (request: Request) => {
  const res = await request("/v1/dashboard/login-codes", {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  assert.equal(res.status, 201);
  return await res.json() as { code: string; url: string; expires_at: number };
};

/** Signs in; returns the Cookie header to send. */
async function signIn(request: Request): Promise<string> {
  const { code } = await mint(request);
  const res = await request(`/dashboard/login?code=${code}`);
  assert.equal(res.status, 303);
  const cookie = res.headers.get("set-cookie") ?? "";
  return cookie.split(";")[0];
}

function assertNoCors(res: Response): void {
  for (const [name] of res.headers) assert.ok(!name.startsWith("access-control-"), name);
}

Deno.test("login codes: minted with the bearer token only", () =>
  withDashboard(async (request) => {
    for (const auth of [undefined, "Bearer wrong"]) {
      const res = await request("/v1/dashboard/login-codes", {
        method: "POST",
        headers: auth ? { authorization: auth } : {},
      });
      assert.equal(res.status, 401);
      await res.body?.cancel();
    }
    const body = await mint(request);
    assert.equal(body.url, `${BASE}/dashboard/login?code=${body.code}`);
    assert.equal(body.expires_at, NOW + 120_000);
  }));

Deno.test("login: a code sets an HttpOnly SameSite=Strict cookie and redirects without it", () =>
  withDashboard(async (request) => {
    const { code } = await mint(request);
    const res = await request(`/dashboard/login?code=${code}`);
    assert.equal(res.status, 303);
    assert.equal(res.headers.get("location"), "/dashboard");
    const cookie = res.headers.get("set-cookie") ?? "";
    assert.match(cookie, new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{43}; `));
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; SameSite=Strict/);
    assert.match(cookie, /; Path=\/dashboard/);
    assert.match(cookie, /; Max-Age=43200/);
    assert.ok(!cookie.includes(TOKEN) && !cookie.includes(code));
    assert.equal(res.headers.get("content-security-policy"), DASHBOARD_CSP);
    assert.equal(res.headers.get("referrer-policy"), "no-referrer");
    assertNoCors(res);
    const page = await request("/dashboard", { headers: { cookie: cookie.split(";")[0] } });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<body data-page="overview">/);
  }));

Deno.test("login: a code works once, and not after it expired", () =>
  withDashboard(async (request, clock) => {
    const { code } = await mint(request);
    assert.equal((await request(`/dashboard/login?code=${code}`)).status, 303);
    const again = await request(`/dashboard/login?code=${code}`);
    assert.equal(again.status, 403);
    assert.equal(again.headers.get("set-cookie"), null);
    assert.match(await again.text(), /each link works once/);
    const late = await mint(request);
    clock.advance(120_000);
    const expired = await request(`/dashboard/login?code=${late.code}`);
    assert.equal(expired.status, 403);
    assert.match(await expired.text(), /has expired/);
  }));

Deno.test("without a session: the sign-in page, and every data endpoint refuses", () =>
  withDashboard(async (request) => {
    for (const path of ["/dashboard", "/dashboard/calls", "/dashboard/projects"]) {
      const res = await request(path);
      assert.equal(res.status, 401, path);
      const html = await res.text();
      assert.match(html, /not signed in/);
      assert.ok(!html.includes("app.js"), "the sign-in page loads no script");
    }
    const bearer = { authorization: `Bearer ${TOKEN}` };
    for (const path of ["overview", "calls", "breakdown?by=model", "events"]) {
      const sets: Record<string, string>[] = [{}, bearer, { cookie: `${SESSION_COOKIE}=${TOKEN}` }];
      for (const headers of sets) {
        const res = await request(`/dashboard/api/${path}`, { headers });
        assert.equal(res.status, 401, `${path} ${JSON.stringify(headers)}`);
        assert.equal((await res.json()).error.type, "unauthorized");
        assertNoCors(res);
      }
    }
  }));

Deno.test("the Host guard covers the dashboard; other sites and ports get nothing", () =>
  withDashboard(async (request) => {
    const cookie = await signIn(request);
    for (const host of ["evil.com", "127.0.0.1.evil.com", "localhost.evil.com:8765"]) {
      for (const path of ["/dashboard", "/dashboard/api/overview", "/dashboard/login?code=x"]) {
        const res = await request(path, { headers: { cookie, host } });
        assert.equal(res.status, 403, `${host} ${path}`);
        await res.body?.cancel();
      }
    }
    for (const site of ["cross-site", "same-site"]) {
      const res = await request("/dashboard/api/overview", {
        headers: { cookie, "sec-fetch-site": site },
      });
      assert.equal(res.status, 403, site);
      await res.body?.cancel();
    }
    const own = await request("/dashboard/api/overview", {
      headers: { cookie, "sec-fetch-site": "same-origin", origin: "https://evil.com" },
    });
    assert.equal(own.status, 200);
    assertNoCors(own);
    await own.body?.cancel();
  }));

Deno.test("overview totals are /v1/report's for the same spans", () =>
  withDashboard(async (request) => {
    const cookie = await signIn(request);
    const res = await request("/dashboard/api/overview?tz=Europe%2FParis&by=project", {
      headers: { cookie },
    });
    assert.equal(res.status, 200);
    const o = await res.json();
    for (const span of ["today", "week", "month"]) {
      const s = o.spans[span];
      const r = await request(`/v1/report?since=${s.since}&until=${s.until}&tz=Europe%2FParis`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      assert.deepEqual(s.totals, (await r.json()).totals, span);
    }
    assert.equal(o.spans.today.totals.calls, 2);
    assert.equal(o.spans.month.totals.calls, 3);
    assert.equal(o.series.labels.length, 30);
    assert.deepEqual(o.series.datasets.map((d: { key: string }) => d.key), ["alpha", "beta"]);
  }));

Deno.test("calls: filters (status included) and cursor pages", () =>
  withDashboard(async (request) => {
    const cookie = await signIn(request);
    const ids = async (q: string) => {
      const res = await request(`/dashboard/api/calls${q}`, { headers: { cookie } });
      assert.equal(res.status, 200, q);
      return (await res.json()).calls.map((c: { id: string }) => c.id);
    };
    assert.deepEqual(await ids(""), ["e1", "a1", "b1", "x1"]);
    assert.deepEqual(await ids("?status=error"), ["e1"]);
    assert.deepEqual(await ids("?status=ok&project=alpha"), ["a1"]);
    assert.deepEqual(await ids("?model=m2"), ["b1"]);
    const first = await (await request("/dashboard/api/calls?limit=3", { headers: { cookie } }))
      .json();
    assert.equal(first.calls.length, 3);
    const cursor = encodeURIComponent(first.next_cursor);
    assert.deepEqual(await ids(`?limit=3&cursor=${cursor}`), ["x1"]);
    const bad = await request("/dashboard/api/calls?status=maybe", { headers: { cookie } });
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).error.message, /^status "maybe"/);
  }));

Deno.test("events: a signed-in stream opens with hello; logout ends the session", () =>
  withDashboard(async (request) => {
    const cookie = await signIn(request);
    const res = await request("/dashboard/api/events", { headers: { cookie } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
    const reader = res.body!.getReader();
    assert.match(new TextDecoder().decode((await reader.read()).value), /event: hello/);
    await reader.cancel();
    const out = await request("/dashboard/logout", { method: "POST", headers: { cookie } });
    assert.equal(out.status, 401);
    assert.match(out.headers.get("set-cookie") ?? "", new RegExp(`^${SESSION_COOKIE}=;`));
    await out.body?.cancel();
    const after = await request("/dashboard/api/overview", { headers: { cookie } });
    assert.equal(after.status, 401);
    await after.body?.cancel();
  }));

Deno.test("assets are served from the module graph with their types", () =>
  withDashboard(async (request) => {
    for (
      const [name, type] of [
        ["app.js", "text/javascript"],
        ["chart.js", "text/javascript"],
        ["style.css", "text/css"],
      ]
    ) {
      const res = await request(`/dashboard/assets/${name}`);
      assert.equal(res.status, 200, name);
      assert.match(res.headers.get("content-type") ?? "", new RegExp(`^${type}`));
      assert.ok((await res.text()).length > 500, name);
    }
    assert.equal((await request("/dashboard/assets/nope.js")).status, 404);
  }));
