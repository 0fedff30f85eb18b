/**
 * Totals for reports (`usage`, the dashboard, `/v1/report`): grouped by any mix of time
 * (hour, day, week from Monday, month, cut in a time zone) and dimensions, over any span.
 * Whole 15-minute buckets come from the `rollup_15m` table (kept by a trigger, migration 3), so a
 * month of a million calls is a few thousand rows to add; the partial buckets at the span's
 * edges come from `calls` itself, so `--since 30m` is exact. A database not yet migrated (a CLI
 * newer than the daemon that wrote it) is read from `calls` alone.
 *
 * Model calls are what providers bill: `messages`, `chat_completions`, `responses`,
 * `generate_content`, `realtime`, not blocked by policy. Everything else on a provider host
 * (`other`, `count_tokens`) and blocked calls are counted separately, and included only with
 * `all`. Costs are summed as doubles and rounded to the nano-dollar on output, which removes
 * float noise (0.1 + 0.2) without losing what a cheap call costs.
 */
import type { DatabaseSync } from "node:sqlite";
import { wallTime } from "../../core/mod.ts";
import { zoneSegments } from "./_zone_segments.ts";

export const MODEL_CALL_ENDPOINTS = [
  "messages",
  "chat_completions",
  "responses",
  "generate_content",
  "realtime",
] as const;

export type ReportDim = "provider" | "endpoint" | "model" | "project" | "client" | "key";
export type ReportTime = "hour" | "day" | "week" | "month";
export type ReportKey = ReportDim | ReportTime;

export const REPORT_DIMS: readonly ReportDim[] = [
  "provider",
  "endpoint",
  "model",
  "project",
  "client",
  "key",
];
export const REPORT_TIMES: readonly ReportTime[] = ["hour", "day", "week", "month"];

export interface ReportQuery {
  /** Epoch ms, inclusive. */
  since?: number;
  /** Epoch ms, exclusive. */
  until?: number;
  /** Grouping, outermost first; empty: one total row. */
  groupBy: readonly ReportKey[];
  /** Where hours, days, weeks and months are cut; default UTC. */
  timeZone?: string;
  /** Include non-model requests and blocked calls (counted apart either way). */
  all?: boolean;
  /** Exact values (null: unknown) the rows must have. */
  filter?: Partial<Record<ReportDim, string | null>>;
}

export interface ReportTotals {
  /** Model calls (with `all`: every request). */
  calls: number;
  /** Requests that are not model calls (never in `calls` unless `all`). */
  other_calls: number;
  /** Calls policy refused (never in `calls` unless `all`). */
  blocked_calls: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  /** Priced calls only, rounded to 1e-9. */
  cost_usd: number;
  /** Calls with usage but no price: the cost is a lower bound. */
  unpriced_calls: number;
}

export interface ReportRow extends ReportTotals {
  /** One value per `groupBy` key, in order; time keys are `2026-12-03`, `2026-W49`, `2026-12`, `2026-12-03T14`. */
  keys: (string | null)[];
}

export interface Report {
  rows: ReportRow[];
  totals: ReportTotals;
}

const BUCKET_MS = 15 * 60_000;
const DIM_SQL: Record<ReportDim, { rollup: string; raw: string }> = {
  provider: { rollup: "provider", raw: "provider" },
  endpoint: { rollup: "endpoint", raw: "endpoint" },
  model: { rollup: "model", raw: "COALESCE(response_model, request_model, '')" },
  project: { rollup: "project", raw: "COALESCE(project, '')" },
  client: { rollup: "client", raw: "COALESCE(client, '')" },
  key: { rollup: "api_key_fp", raw: "COALESCE(api_key_fp, '')" },
};

const SUMS_ROLLUP = `SUM(calls) AS calls, SUM(input_tokens) AS input_tokens,
  SUM(output_tokens) AS output_tokens, SUM(cache_read_tokens) AS cache_read_tokens,
  SUM(cache_write_tokens) AS cache_write_tokens, SUM(reasoning_tokens) AS reasoning_tokens,
  SUM(cost_usd) AS cost_usd, SUM(unpriced_calls) AS unpriced_calls`;
const SUMS_RAW = `COUNT(*) AS calls, COALESCE(SUM(input_tokens), 0) AS input_tokens,
  COALESCE(SUM(output_tokens), 0) AS output_tokens,
  COALESCE(SUM(cache_read_tokens), 0) AS cache_read_tokens,
  COALESCE(SUM(cache_write_5m_tokens), 0) + COALESCE(SUM(cache_write_1h_tokens), 0)
    AS cache_write_tokens,
  COALESCE(SUM(reasoning_tokens), 0) AS reasoning_tokens, COALESCE(SUM(cost_usd), 0) AS cost_usd,
  SUM(cost_usd IS NULL AND usage_completeness != 'none') AS unpriced_calls`;

function hasTable(db: DatabaseSync, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")
    .get(name) !== undefined;
}

/**
 * Narrower roll-ups (migration 4) with the call's kind instead of endpoint and blocked: a query
 * whose groups and filters use only their dimensions reads far fewer rows there.
 */
const NARROW: { table: string; dims: readonly ReportDim[] }[] = [
  { table: "rollup_15m_model", dims: ["provider", "model"] },
  { table: "rollup_15m_project", dims: ["project"] },
];

function hasPolicyColumn(db: DatabaseSync): boolean {
  return db.prepare("SELECT 1 FROM pragma_table_info('calls') WHERE name = 'policy_action'")
    .get() !== undefined;
}

/** ISO week (Monday start) of a calendar date: `2026-W49`. */
function isoWeek(y: number, m: number, d: number): string {
  const date = new Date(Date.UTC(y, m - 1, d));
  const day = (date.getUTCDay() + 6) % 7;
  date.setUTCDate(date.getUTCDate() - day + 3); // Thursday of this week decides the year
  const year = date.getUTCFullYear();
  const jan4 = new Date(Date.UTC(year, 0, 4));
  const week = 1 + Math.round(
    ((date.getTime() - jan4.getTime()) / 86_400_000 - 3 +
      ((jan4.getUTCDay() + 6) % 7)) / 7,
  );
  return `${year}-W${String(week).padStart(2, "0")}`;
}

/** The key of the period holding a local wall-clock hour (see `ReportRow.keys`). */
function formatPeriod(unit: ReportTime, y: number, mo: number, d: number, h: number): string {
  const p = (x: number) => String(x).padStart(2, "0");
  switch (unit) {
    case "hour":
      return `${y}-${p(mo)}-${p(d)}T${p(h)}`;
    case "day":
      return `${y}-${p(mo)}-${p(d)}`;
    case "month":
      return `${y}-${p(mo)}`;
    default:
      return isoWeek(y, mo, d);
  }
}

/** The local period an instant falls in. */
export function periodKey(ms: number, unit: ReportTime, timeZone: string): string {
  const w = wallTime(ms, timeZone);
  return formatPeriod(unit, w.y, w.mo, w.d, w.h);
}

function emptyTotals(): ReportTotals {
  return {
    calls: 0,
    other_calls: 0,
    blocked_calls: 0,
    input_tokens: 0,
    output_tokens: 0,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    reasoning_tokens: 0,
    cost_usd: 0,
    unpriced_calls: 0,
  };
}

function addInto(
  t: ReportTotals,
  r: Record<string, unknown>,
  kind: "model" | "other" | "blocked",
  all: boolean,
) {
  const calls = Number(r.calls ?? 0);
  if (kind === "other") t.other_calls += calls;
  if (kind === "blocked") t.blocked_calls += calls;
  if (kind !== "model" && !all) return;
  t.calls += calls;
  t.input_tokens += Number(r.input_tokens ?? 0);
  t.output_tokens += Number(r.output_tokens ?? 0);
  t.cache_read_tokens += Number(r.cache_read_tokens ?? 0);
  t.cache_write_tokens += Number(r.cache_write_tokens ?? 0);
  t.reasoning_tokens += Number(r.reasoning_tokens ?? 0);
  t.cost_usd += Number(r.cost_usd ?? 0);
  t.unpriced_calls += Number(r.unpriced_calls ?? 0);
}

const round9 = (usd: number) => Math.round(usd * 1e9) / 1e9;

/** The keys of a local hour (`unit` hour) or day number, from its UTC fields. */
function localKeys(n: number, unitMs: number): Record<ReportTime, string> {
  const d = new Date(n * unitMs);
  const key = (unit: ReportTime) =>
    formatPeriod(unit, d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours());
  return { hour: key("hour"), day: key("day"), week: key("week"), month: key("month") };
}

/** Totals grouped as asked; rows sorted by their keys (time ascending), totals over all. */
export function report(db: DatabaseSync, q: ReportQuery): Report {
  const timeZone = q.timeZone ?? "UTC";
  const all = q.all ?? false;
  const dims = q.groupBy.filter((k): k is ReportDim =>
    (REPORT_DIMS as readonly string[]).includes(k)
  );
  const times = q.groupBy.filter((k): k is ReportTime =>
    (REPORT_TIMES as readonly string[]).includes(k)
  );
  // SQL groups by the finest time asked, as a local hour or day number: `(t + offset) / unit`
  // within each piece of the span where the zone's offset is constant (_zone_segments.ts).
  const unitMs = times.length === 0 ? 0 : times.includes("hour") ? 3_600_000 : 86_400_000;
  let since = q.since ?? 0;
  let until = q.until ?? Number.MAX_SAFE_INTEGER;
  const rollup = hasTable(db, "rollup_15m");
  const used = new Set<ReportDim>([
    ...dims,
    ...(Object.entries(q.filter ?? {}) as [ReportDim, unknown][])
      .filter(([, v]) => v !== undefined).map(([d]) => d),
  ]);
  const narrow = rollup
    ? NARROW.find((n) => [...used].every((d) => n.dims.includes(d)) && hasTable(db, n.table))
    : undefined;
  const policy = hasPolicyColumn(db);

  const filters = (raw: boolean) => {
    const terms: string[] = [];
    const params: string[] = [];
    for (const [dim, value] of Object.entries(q.filter ?? {}) as [ReportDim, string | null][]) {
      if (value === undefined) continue;
      terms.push(`${raw ? DIM_SQL[dim].raw : DIM_SQL[dim].rollup} = ?`);
      params.push(value ?? "");
    }
    return { terms, params };
  };
  const dimCols = (raw: boolean) =>
    dims.map((d, i) => `${raw ? DIM_SQL[d].raw : DIM_SQL[d].rollup} AS d${i}`);
  const groupCols = [...(unitMs ? ["t"] : []), "ep", "blk", ...dims.map((_, i) => `d${i}`)];
  const blockedRaw = policy ? "COALESCE(policy_action = 'block', 0)" : "0";
  const rows: Record<string, unknown>[] = [];

  const rawQuery = (from: number, to: number, offset: number) => {
    const f = filters(true);
    const cols = [
      ...(unitMs ? [`(started_at + ${offset}) / ${unitMs} AS t`] : []),
      "endpoint AS ep",
      `${blockedRaw} AS blk`,
      ...dimCols(true),
      SUMS_RAW,
    ];
    const sql = `SELECT ${cols.join(", ")} FROM calls
      WHERE self_test = 0 AND started_at >= ? AND started_at < ?${
      f.terms.length ? ` AND ${f.terms.join(" AND ")}` : ""
    } GROUP BY ${groupCols.join(", ")}`;
    rows.push(...db.prepare(sql).all(from, to, ...f.params));
  };
  const rollupQuery = (first: number, end: number, offset: number) => {
    const f = filters(false);
    // A narrow roll-up carries the call's kind in place of endpoint and blocked.
    const kindCols = narrow ? ["kind"] : ["endpoint AS ep", "blocked AS blk"];
    const cols = [
      ...(unitMs ? [`(bucket * ${BUCKET_MS} + ${offset}) / ${unitMs} AS t`] : []),
      ...kindCols,
      ...dimCols(false),
      SUMS_ROLLUP,
    ];
    const group = narrow
      ? [...(unitMs ? ["t"] : []), "kind", ...dims.map((_, i) => `d${i}`)]
      : groupCols;
    const sql = `SELECT ${cols.join(", ")} FROM ${
      narrow?.table ?? "rollup_15m"
    } WHERE bucket >= ? AND bucket < ?${
      f.terms.length ? ` AND ${f.terms.join(" AND ")}` : ""
    } GROUP BY ${group.join(", ")}`;
    rows.push(...db.prepare(sql).all(first, end, ...f.params));
  };
  // Whole buckets from the roll-up; the rest (edges, or everything without one) from calls.
  const collect = (from: number, to: number, offset: number) => {
    const firstWhole = Math.ceil(from / BUCKET_MS);
    const endWhole = Math.floor(to / BUCKET_MS);
    if (!rollup || endWhole <= firstWhole) return rawQuery(from, to, offset);
    rollupQuery(firstWhole, endWhole, offset);
    if (from < firstWhole * BUCKET_MS) rawQuery(from, firstWhole * BUCKET_MS, offset);
    if (to > endWhole * BUCKET_MS) rawQuery(endWhole * BUCKET_MS, to, offset);
  };
  if (!unitMs) collect(since, until, 0);
  else {
    // Cut only where there are rows: the zone is looked up about once a day of the span.
    // Two subqueries: SQLite answers a lone MIN or MAX from the index, both at once by a scan.
    const b = db.prepare(
      "SELECT (SELECT MIN(started_at) FROM calls) AS lo, (SELECT MAX(started_at) FROM calls) AS hi",
    ).get();
    if (b?.lo !== null && b?.lo !== undefined) {
      since = Math.max(since, Number(b.lo));
      until = Math.min(until, Number(b.hi) + 1);
      for (const seg of zoneSegments(since, until, timeZone)) {
        collect(seg.start, seg.end, seg.offsetMs);
      }
    }
  }

  const groups = new Map<string, ReportRow>();
  const totals = emptyTotals();
  const periods = new Map<number, Record<ReportTime, string>>();
  for (const r of rows) {
    const kind = r.kind !== undefined
      ? (String(r.kind) as "model" | "other" | "blocked")
      : Number(r.blk)
      ? "blocked"
      : (MODEL_CALL_ENDPOINTS as readonly string[]).includes(String(r.ep))
      ? "model"
      : "other";
    let local: Record<ReportTime, string> | undefined;
    if (unitMs) {
      const n = Number(r.t);
      local = periods.get(n);
      if (!local) periods.set(n, local = localKeys(n, unitMs));
    }
    const keys = q.groupBy.map((k): string | null => {
      if (local && (REPORT_TIMES as readonly string[]).includes(k)) return local[k as ReportTime];
      const v = r[`d${dims.indexOf(k as ReportDim)}`];
      return v === "" || v === null || v === undefined ? null : String(v);
    });
    addInto(totals, r, kind, all);
    const id = JSON.stringify(keys);
    let g = groups.get(id);
    if (!g) {
      g = { keys, ...emptyTotals() };
      groups.set(id, g);
    }
    addInto(g, r, kind, all);
  }
  const out = [...groups.values()]
    // Without `all`, a group of only non-model requests is left out (its count stays in the
    // totals); one with blocked calls stays, they are model calls refused.
    .filter((g) => all || g.calls > 0 || g.blocked_calls > 0)
    .map((g) => ({ ...g, cost_usd: round9(g.cost_usd) }))
    .sort((a, b) => {
      for (let i = 0; i < a.keys.length; i++) {
        const x = a.keys[i] ?? "\uffff";
        const y = b.keys[i] ?? "\uffff";
        if (x !== y) return x < y ? -1 : 1;
      }
      return 0;
    });
  return { rows: out, totals: { ...totals, cost_usd: round9(totals.cost_usd) } };
}
