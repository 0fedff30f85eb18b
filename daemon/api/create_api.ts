import { createHash, timingSafeEqual } from "node:crypto";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { Dashboard } from "../dashboard/mod.ts";
import type { PolicyEngine } from "../policy/mod.ts";
import { type ExportState, PROMETHEUS_CONTENT_TYPE } from "../export/mod.ts";
import {
  type Report,
  type ReportQuery,
  type Store,
  StoreUnavailableError,
  type SummaryRow,
} from "../store/mod.ts";
import { ApiError, errorBody } from "./_api_error.ts";
import { isLoopbackHost } from "./_is_loopback_host.ts";
import { parseCallsQuery, parseReportQuery, parseSummaryQuery } from "./_parse_query.ts";

/** The part of the store the API reads. */
export type StoreLike =
  & Pick<Store, "state" | "listCalls" | "summarize">
  & Partial<Pick<Store, "report">>;

export interface ApiPorts {
  edge: number;
  internal: number;
  api: number;
}

export interface ApiDeps {
  store: StoreLike;
  /** Bearer token for `/v1/*` (see `ensureApiToken`). */
  token: string;
  version: string;
  /** Epoch ms when the daemon started. */
  startedAt: number;
  pid: number;
  ports: () => ApiPorts;
  now?: () => number;
  /** Where unexpected errors are reported; the client only sees a generic 500. */
  log?: (message: string) => void;
  /** Budgets, subscription windows and the policy's state; absent = no policy engine. */
  policy?: Pick<PolicyEngine, "budgets" | "quota" | "state">;
  /** The web dashboard, mounted at `/dashboard`; absent = none. */
  dashboard?: Dashboard;
  /**
   * Answers `GET /v1/report` off the daemon's thread (the report worker); absent: the store's
   * `report` on this thread.
   */
  reports?: (query: ReportQuery) => Promise<Report>;
  /** The Prometheus text for `GET /metrics`; absent = no such route. */
  metrics?: () => string;
  /** The OTLP exporter's state, shown in `/health` as `export`. */
  exportState?: () => ExportState;
  /** Where reports were made (the worker or this thread); shown in `/health` as `reports`. */
  reportStats?: () => { worker: number; inThread: number; running: boolean };
}

function sha256(text: string): Uint8Array {
  return createHash("sha256").update(text).digest();
}

/** Constant-time: hashing first makes both sides the same length whatever was sent. */
function tokenMatches(presented: string, expected: string): boolean {
  return timingSafeEqual(sha256(presented), sha256(expected));
}

function totals(rows: SummaryRow[]): Omit<SummaryRow, "key"> {
  const sum: Omit<SummaryRow, "key"> = {
    calls: 0,
    input_tokens: 0,
    output_tokens: 0,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    reasoning_tokens: 0,
    cost_usd: 0,
    unpriced_calls: 0,
  };
  for (const r of rows) {
    for (const k of Object.keys(sum) as (keyof typeof sum)[]) sum[k] += r[k];
  }
  return sum;
}

/**
 * The daemon's HTTP API (served on 127.0.0.1 by the integrator):
 * `GET /health` (no auth), `GET /v1/calls`, `GET /v1/summary` (bearer token).
 * Every route refuses a `Host` other than loopback (DNS rebinding) and no route sends
 * CORS headers, so a web page can neither call it under its own name nor read it.
 */
export function createApi(deps: ApiDeps): Hono {
  if (deps.token.length < 16) {
    throw new Error(
      `Cannot create the API: the token is ${deps.token.length} characters; use ensureApiToken() for a 64-hex token`,
    );
  }
  const now = deps.now ?? (() => Date.now());
  const app = new Hono();

  app.use("*", async (c, next) => {
    const host = c.req.header("host") ?? new URL(c.req.url).host;
    if (!isLoopbackHost(host)) {
      throw new ApiError(
        403,
        "forbidden",
        `Host ${JSON.stringify(host)} is not allowed: use http://127.0.0.1:<port>`,
      );
    }
    await next();
    c.header("Cache-Control", "no-store");
    c.header("X-Content-Type-Options", "nosniff");
  });

  const bearer = async (
    _c: { req: { header(name: string): string | undefined } },
    next: () => Promise<void>,
  ) => {
    const header = _c.req.header("authorization") ?? "";
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (!match || !tokenMatches(match[1], deps.token)) {
      throw new ApiError(
        401,
        "unauthorized",
        "Missing or wrong bearer token: send Authorization: Bearer <contents of api-token>",
      );
    }
    await next();
  };
  app.use("/v1/*", bearer);
  app.use("/metrics", bearer);

  app.get("/health", (c) => {
    const store = deps.store.state();
    return c.json({
      status: store.state === "ok" ? "ok" : "degraded",
      version: deps.version,
      pid: deps.pid,
      uptime_s: Math.max(0, Math.floor((now() - deps.startedAt) / 1000)),
      ports: deps.ports(),
      store,
      ...(deps.policy ? { policy: deps.policy.state() } : {}),
      ...(deps.exportState ? { export: deps.exportState() } : {}),
      ...(deps.reportStats ? { reports: reportsHealth(deps.reportStats()) } : {}),
    });
  });

  // Prometheus's scrape: the same bearer token as /v1 (docs/EXPORT.md has the scrape config).
  app.get("/metrics", (c) => {
    if (!deps.metrics) throw new ApiError(404, "not_found", "No metrics in this build");
    return c.body(deps.metrics(), 200, { "content-type": PROMETHEUS_CONTENT_TYPE });
  });

  app.get("/v1/report", async (c) => {
    const query = parseReportQuery(new URL(c.req.url).searchParams);
    if (!query.ok) throw new ApiError(400, "invalid_request", query.message);
    const storeReport = deps.store.report;
    if (!deps.reports && !storeReport) {
      throw new ApiError(404, "not_found", "No reports in this build");
    }
    const r = deps.reports ? await deps.reports(query.value) : storeReport!(query.value);
    return c.json({
      group_by: query.value.groupBy,
      time_zone: query.value.timeZone ?? "UTC",
      ...r,
    });
  });

  app.get("/v1/policy", (c) => c.json(deps.policy?.state() ?? { state: "none" }));

  app.get("/v1/budgets", (c) => {
    if (!deps.policy) return c.json({ policy: { state: "none" }, budgets: [] });
    return c.json({ policy: deps.policy.state(), budgets: deps.policy.budgets() });
  });

  app.get("/v1/quota", (c) => c.json({ accounts: deps.policy?.quota() ?? [] }));

  app.post("/v1/dashboard/login-codes", (c) => {
    if (!deps.dashboard) throw new ApiError(404, "not_found", "No dashboard in this daemon");
    const { code, expiresAt } = deps.dashboard.mintCode();
    const base = `http://127.0.0.1:${deps.ports().api}`;
    return c.json({
      code,
      expires_at: expiresAt,
      url: `${base}/dashboard/login?code=${encodeURIComponent(code)}`,
    }, 201);
  });
  if (deps.dashboard) {
    app.get("/dashboard/", (c) => c.redirect("/dashboard", 308));
    app.route("/dashboard", deps.dashboard.app);
  }

  app.get("/v1/calls", (c) => {
    const query = parseCallsQuery(new URL(c.req.url).searchParams);
    if (!query.ok) throw new ApiError(400, "invalid_request", query.message);
    const page = deps.store.listCalls(query.value);
    return c.json({ calls: page.calls, next_cursor: page.nextCursor });
  });

  app.get("/v1/summary", (c) => {
    const query = parseSummaryQuery(new URL(c.req.url).searchParams);
    if (!query.ok) throw new ApiError(400, "invalid_request", query.message);
    const rows = deps.store.summarize(query.value);
    return c.json({ group_by: query.value.groupBy, rows, totals: totals(rows) });
  });

  app.notFound((c) =>
    c.json(
      errorBody("not_found", `No route for ${c.req.method} ${new URL(c.req.url).pathname}`),
      404,
    )
  );

  app.onError((error, c) => {
    c.header("Cache-Control", "no-store");
    c.header("X-Content-Type-Options", "nosniff");
    if (error instanceof ApiError) {
      if (error.status === 401) c.header("WWW-Authenticate", 'Bearer realm="halton-meter"');
      return c.json(errorBody(error.type, error.message), error.status);
    }
    if (error instanceof StoreUnavailableError) {
      return c.json(errorBody("store_unavailable", error.message), 503);
    }
    if (error instanceof HTTPException) {
      // Raised by hono itself (e.g. a malformed request); its message is meant for clients.
      return c.json(errorBody("invalid_request", error.message), error.status);
    }
    deps.log?.(`api: ${c.req.method} ${new URL(c.req.url).pathname} failed: ${String(error)}`);
    return c.json(errorBody("internal_error", "Internal error; see the daemon log"), 500);
  });

  return app;
}

/** `/health`'s `reports`: how many reports the worker and the daemon's thread made. */
function reportsHealth(s: { worker: number; inThread: number; running: boolean }) {
  return { worker: s.worker, in_thread: s.inThread, worker_running: s.running };
}
