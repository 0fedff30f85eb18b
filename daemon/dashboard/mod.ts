/**
 * The web dashboard (docs/DASHBOARD.md): pages and data served by the daemon's API under
 * `/dashboard`, a one-time-code sign-in that ends in a session cookie, and the live feed that
 * pushes each recorded row to open dashboards without ever slowing metering.
 */
export {
  createDashboard,
  type Dashboard,
  DASHBOARD_CSP,
  type DashboardDeps,
  SESSION_COOKIE,
} from "./create_dashboard.ts";
export {
  type CodeExchange,
  createDashboardAuth,
  type DashboardAuth,
  type DashboardAuthOptions,
} from "./create_dashboard_auth.ts";
export {
  type CallFeed,
  type CallFeedOptions,
  type CallFeedStats,
  createCallFeed,
  SlowConsumerError,
} from "./create_call_feed.ts";
export {
  type Breakdown,
  buildBreakdown,
  buildOverview,
  buildSeries,
  MAX_SERIES,
  type Overview,
  type Series,
} from "./build_overview.ts";
