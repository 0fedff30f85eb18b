/**
 * What the dashboard's overview and breakdown pages show, computed from the store's reports
 * (`report()` over the `rollup_15m` roll-ups) and the policy engine's budgets and windows.
 * Spans are cut in the browser's time zone, exactly as `/v1/report` cuts them, so a figure on
 * the page can be checked against `/v1/report?since=..&until=..&tz=..`.
 */
import {
  type AccountQuotaStatus,
  type BudgetStatus,
  parseWindow,
  windowBounds,
} from "../policy/mod.ts";
import { periodKey, type Report, type ReportQuery, type ReportTotals } from "../store/mod.ts";

export type SeriesBy = "model" | "project";
export type SeriesRange = "24h" | "7d" | "30d";
export type BreakdownRange = "today" | "7d" | "30d" | "month";
export type BreakdownBy = "model" | "project" | "provider" | "client";

export interface OverviewSources {
  report(query: ReportQuery): Promise<Report>;
  budgets?(): BudgetStatus[];
  quota?(): AccountQuotaStatus[];
}

export interface Span {
  /** Epoch ms, inclusive. */
  since: number;
  /** Epoch ms, exclusive. */
  until: number;
  totals: ReportTotals;
}

export interface Series {
  unit: "hour" | "day";
  by: SeriesBy;
  since: number;
  until: number;
  /** Period keys as `/v1/report` writes them (`2026-12-03`, `2026-12-03T14`). */
  labels: string[];
  /** One per model (or project), largest spend first; past `MAX_SERIES` the rest is `other`. */
  datasets: { key: string; cost_usd: number[]; calls: number[] }[];
}

export interface Overview {
  time_zone: string;
  now: number;
  spans: { today: Span; week: Span; month: Span };
  series: Series;
  budgets: BudgetStatus[];
  quota: AccountQuotaStatus[];
}

export const MAX_SERIES = 10;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const QUARTER = 15 * 60_000;
const round9 = (usd: number) => Math.round(usd * 1e9) / 1e9;

async function spanOf(
  src: OverviewSources,
  since: number,
  until: number,
  timeZone: string,
): Promise<Span> {
  return {
    since,
    until,
    totals: (await src.report({ since, until, groupBy: [], timeZone })).totals,
  };
}

/** Start of the local hour holding `ms` (every zone's hours start on a quarter hour). */
function hourStart(ms: number, timeZone: string): number {
  const key = periodKey(ms, "hour", timeZone);
  let t = Math.floor(ms / QUARTER) * QUARTER;
  while (periodKey(t - QUARTER, "hour", timeZone) === key) t -= QUARTER;
  return t;
}

/** Period keys from `since` to `until`, in order. */
function labelsBetween(since: number, until: number, unit: "hour" | "day", tz: string): string[] {
  const out: string[] = [];
  const step = unit === "hour" ? QUARTER : HOUR;
  for (let t = since; t < until; t += step) {
    const key = periodKey(t, unit, tz);
    if (out.at(-1) !== key) out.push(key);
  }
  return out;
}

export async function buildSeries(
  src: OverviewSources,
  q: { timeZone: string; by: SeriesBy; range: SeriesRange; now: number },
): Promise<Series> {
  const until = q.now + 1;
  const unit = q.range === "24h" ? "hour" : "day";
  const since = q.range === "24h"
    ? hourStart(q.now - 23 * HOUR, q.timeZone)
    : windowBounds(parseWindow("day", q.timeZone), q.now - (q.range === "7d" ? 6 : 29) * DAY)
      .start;
  const labels = labelsBetween(since, until, unit, q.timeZone);
  const index = new Map(labels.map((l, i) => [l, i]));
  const r = await src.report({ since, until, groupBy: [unit, q.by], timeZone: q.timeZone });
  const byKey = new Map<string, { cost: number[]; calls: number[]; total: number }>();
  for (const row of r.rows) {
    const i = index.get(row.keys[0] ?? "");
    if (i === undefined) continue;
    const key = row.keys[1] ?? "(none)";
    let d = byKey.get(key);
    if (!d) {
      d = { cost: labels.map(() => 0), calls: labels.map(() => 0), total: 0 };
      byKey.set(key, d);
    }
    d.cost[i] += row.cost_usd;
    d.calls[i] += row.calls;
    d.total += row.cost_usd;
  }
  const ranked = [...byKey.entries()].sort((a, b) =>
    b[1].total - a[1].total || (a[0] < b[0] ? -1 : 1)
  );
  const kept = ranked.slice(0, MAX_SERIES);
  const rest = ranked.slice(MAX_SERIES);
  if (rest.length > 0) {
    kept.push(["other", {
      cost: labels.map((_, i) => rest.reduce((s, [, d]) => s + d.cost[i], 0)),
      calls: labels.map((_, i) => rest.reduce((s, [, d]) => s + d.calls[i], 0)),
      total: 0,
    }]);
  }
  return {
    unit,
    by: q.by,
    since,
    until,
    labels,
    datasets: kept.map(([key, d]) => ({ key, cost_usd: d.cost.map(round9), calls: d.calls })),
  };
}

/** Today, this week (from Monday) and this month in `timeZone`, a series, budgets, windows. */
export async function buildOverview(
  src: OverviewSources,
  q: { timeZone: string; by: SeriesBy; range: SeriesRange; now: number },
): Promise<Overview> {
  const until = q.now + 1;
  const start = (unit: "day" | "week" | "month") =>
    windowBounds(parseWindow(unit, q.timeZone), q.now).start;
  const [today, week, month, series] = await Promise.all([
    spanOf(src, start("day"), until, q.timeZone),
    spanOf(src, start("week"), until, q.timeZone),
    spanOf(src, start("month"), until, q.timeZone),
    buildSeries(src, q),
  ]);
  return {
    time_zone: q.timeZone,
    now: q.now,
    spans: { today, week, month },
    series,
    budgets: src.budgets?.() ?? [],
    quota: src.quota?.() ?? [],
  };
}

export interface Breakdown {
  by: BreakdownBy;
  since: number;
  until: number;
  time_zone: string;
  rows: (ReportTotals & { key: string | null })[];
  totals: ReportTotals;
}

/** Totals per project (or model, ...) over a span, largest spend first. */
export async function buildBreakdown(
  src: OverviewSources,
  q: { timeZone: string; by: BreakdownBy; range: BreakdownRange; now: number },
): Promise<Breakdown> {
  const until = q.now + 1;
  const day = parseWindow("day", q.timeZone);
  const since = q.range === "today"
    ? windowBounds(day, q.now).start
    : q.range === "month"
    ? windowBounds(parseWindow("month", q.timeZone), q.now).start
    : windowBounds(day, q.now - (q.range === "7d" ? 6 : 29) * DAY).start;
  const r = await src.report({ since, until, groupBy: [q.by], timeZone: q.timeZone });
  const rows = r.rows.map(({ keys, ...t }) => ({ key: keys[0], ...t }))
    .sort((a, b) => b.cost_usd - a.cost_usd || b.calls - a.calls);
  return { by: q.by, since, until, time_zone: q.timeZone, rows, totals: r.totals };
}
