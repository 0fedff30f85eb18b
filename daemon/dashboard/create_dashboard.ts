/**
 * The web dashboard, served by the daemon's API under `/dashboard` (mounted by `createApi`,
 * whose loopback `Host` guard covers it): pages, their data (`/dashboard/api/*`), the live
 * event stream, and the sign-in that trades a one-time code for a session cookie.
 * docs/DASHBOARD.md describes the design.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AccountQuotaStatus, BudgetStatus } from "../policy/mod.ts";
import type { ListCallsFilter, ListCallsResult, Report, ReportQuery } from "../store/mod.ts";
import { DASHBOARD_ASSETS } from "./_assets.generated.ts";
import { type LoginReason, type PageName, PAGES, renderLogin, renderPage } from "./_pages.ts";
import {
  parseBreakdownQuery,
  parseCallsQuery,
  parseOverviewQuery,
} from "./_parse_dashboard_query.ts";
import { buildBreakdown, buildOverview } from "./build_overview.ts";
import type { CallFeed } from "./create_call_feed.ts";
import type { DashboardAuth } from "./create_dashboard_auth.ts";

export const SESSION_COOKIE = "hm_dashboard";

/**
 * Scripts, styles and data only from this origin; no inline script or style, no frames, no
 * plugins, forms post only here. Chart.js draws on a canvas and sets element styles through
 * the CSSOM, which `style-src 'self'` allows.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

export interface DashboardDeps {
  auth: DashboardAuth;
  feed: CallFeed;
  store: {
    report?(query: ReportQuery): Report;
    listCalls(filter?: ListCallsFilter): ListCallsResult;
  };
  policy?: { budgets(): BudgetStatus[]; quota(): AccountQuotaStatus[] };
  now?: () => number;
  /** Reports off the daemon's thread (the report worker); absent: `store.report` here. */
  reports?: (query: ReportQuery) => Promise<Report>;
}

export interface Dashboard {
  /** Routes relative to `/dashboard`. */
  app: Hono;
  /** For `POST /v1/dashboard/login-codes` (bearer token). */
  mintCode(): { code: string; expiresAt: number };
}

type Json = Record<string, unknown>;

function problem(c: Context, status: 400 | 401 | 403 | 404 | 503, type: string, message: string) {
  return c.json({ error: { type, message } }, status);
}

export function createDashboard(deps: DashboardDeps): Dashboard {
  const now = deps.now ?? Date.now;
  const app = new Hono();

  app.use("*", async (c, next) => {
    // Only this origin's own pages and the user's own navigation (address bar, `xdg-open`):
    // another site, or another port on localhost (same-site), gets nothing.
    const site = c.req.header("sec-fetch-site");
    if (site === "cross-site" || site === "same-site") {
      return problem(
        c,
        403,
        "forbidden",
        `Sec-Fetch-Site ${site}: the dashboard answers only its own pages`,
      );
    }
    await next();
    c.header("Content-Security-Policy", DASHBOARD_CSP);
    c.header("Referrer-Policy", "no-referrer");
    c.header("X-Frame-Options", "DENY");
    c.header("Cross-Origin-Opener-Policy", "same-origin");
    c.header("Cross-Origin-Resource-Policy", "same-origin");
  });

  const signedIn = (c: Context) => deps.auth.check(getCookie(c, SESSION_COOKIE));
  const login = (c: Context, reason: LoginReason, status: 401 | 403 = 401) =>
    c.html(renderLogin(reason), status);

  app.get("/assets/:name", (c) => {
    const asset = DASHBOARD_ASSETS[c.req.param("name")];
    if (!asset) return problem(c, 404, "not_found", `No asset ${c.req.param("name")}`);
    return c.body(asset.body, 200, { "Content-Type": asset.type });
  });

  app.get("/login", (c) => {
    const code = c.req.query("code");
    if (code === undefined) return signedIn(c) ? c.redirect("/dashboard", 303) : login(c, "none");
    const r = deps.auth.exchange(code);
    if (!r.ok) return login(c, r.reason === "expired" ? "expired" : "used", 403);
    setCookie(c, SESSION_COOKIE, r.session, {
      httpOnly: true,
      sameSite: "Strict",
      path: "/dashboard",
      maxAge: Math.floor(deps.auth.sessionTtlMs / 1000),
    });
    // The code leaves the address bar: the page the browser lands on has a clean URL.
    return c.redirect("/dashboard", 303);
  });

  app.post("/logout", (c) => {
    const session = getCookie(c, SESSION_COOKIE);
    if (session !== undefined) deps.auth.revoke(session);
    deleteCookie(c, SESSION_COOKIE, { path: "/dashboard" });
    return login(c, "signed-out", 401);
  });

  for (const [name, page] of Object.entries(PAGES) as [PageName, { path: string }][]) {
    const path = page.path.slice("/dashboard".length) || "/";
    app.get(path, (c) => (signedIn(c) ? c.html(renderPage(name)) : login(c, "none")));
  }

  app.use("/api/*", async (c, next) => {
    if (!signedIn(c)) {
      return problem(c, 401, "unauthorized", "Not signed in: run `halton-meter dashboard`");
    }
    await next();
  });

  const report = (q: ReportQuery): Promise<Report> => {
    if (deps.reports) return deps.reports(q);
    if (!deps.store.report) throw new Error("Cannot report: this store has no report()");
    return Promise.resolve(deps.store.report(q));
  };
  const sources = {
    report,
    budgets: deps.policy ? () => deps.policy!.budgets() : undefined,
    quota: deps.policy ? () => deps.policy!.quota() : undefined,
  };
  const params = (c: Context) => new URL(c.req.url).searchParams;

  app.get("/api/overview", async (c) => {
    const q = parseOverviewQuery(params(c));
    if (!q.ok) return problem(c, 400, "invalid_request", q.message);
    return c.json(await buildOverview(sources, { ...q.value, now: now() }) as unknown as Json);
  });

  app.get("/api/breakdown", async (c) => {
    const q = parseBreakdownQuery(params(c));
    if (!q.ok) return problem(c, 400, "invalid_request", q.message);
    return c.json(await buildBreakdown(sources, { ...q.value, now: now() }) as unknown as Json);
  });

  app.get("/api/calls", (c) => {
    const q = parseCallsQuery(params(c));
    if (!q.ok) return problem(c, 400, "invalid_request", q.message);
    const page = deps.store.listCalls(q.value);
    return c.json({ calls: page.calls, next_cursor: page.nextCursor });
  });

  app.get("/api/events", (c) => {
    const stream = deps.feed.subscribe();
    if (stream === null) {
      return problem(c, 503, "busy", "Too many dashboard streams open: close a dashboard tab");
    }
    return c.body(stream, 200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "X-Accel-Buffering": "no",
    });
  });

  return { app, mintCode: () => deps.auth.mintCode() };
}
