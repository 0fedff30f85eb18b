/**
 * A report as `usage` prints it: a table for people, JSON and CSV for programs. The JSON and CSV
 * columns are a contract (docs/REPORTS.md): new columns may be added at the end, none renamed.
 */
import { formatInt, formatUsd } from "../../core/mod.ts";
import type { Report, ReportDim, ReportKey, ReportTotals } from "../../daemon/store/mod.ts";
import { toCsv } from "./_csv.ts";
import { renderTable } from "./_table.ts";
import { localTime } from "./parse_span.ts";

export interface ReportMeta {
  since: number;
  until: number | null;
  timeZone: string;
  groupBy: readonly ReportKey[];
  all: boolean;
  filter: Partial<Record<ReportDim, string | null>>;
}

export type ReportFormat = "table" | "json" | "csv";

/** The number columns of JSON rows and CSV, in order, after the group keys. */
export const TOTAL_COLUMNS = [
  "calls",
  "other_calls",
  "blocked_calls",
  "input_tokens",
  "output_tokens",
  "cache_read_tokens",
  "cache_write_tokens",
  "reasoning_tokens",
  "cost_usd",
  "unpriced_calls",
] as const satisfies readonly (keyof ReportTotals)[];

const HEADS: Record<ReportKey, string> = {
  hour: "hour",
  day: "day",
  week: "week",
  month: "month",
  provider: "provider",
  endpoint: "endpoint",
  model: "model",
  project: "project",
  client: "client",
  key: "api key",
};

const plural = (n: number, one: string, many = `${one}s`) =>
  `${formatInt(n)} ${n === 1 ? one : many}`;

function totalsOf(t: ReportTotals): Record<string, number> {
  return Object.fromEntries(TOTAL_COLUMNS.map((c) => [c, t[c]]));
}

function json(r: Report, m: ReportMeta): string {
  return JSON.stringify(
    {
      since: new Date(m.since).toISOString(),
      until: m.until === null ? null : new Date(m.until).toISOString(),
      time_zone: m.timeZone,
      group_by: m.groupBy,
      all: m.all,
      filter: m.filter,
      rows: r.rows.map((row) => ({
        // `key`: the first group key's value, as `usage --json` had it before breakdowns.
        key: row.keys[0] ?? null,
        keys: Object.fromEntries(m.groupBy.map((k, i) => [k, row.keys[i]])),
        ...totalsOf(row),
      })),
      totals: totalsOf(r.totals),
    },
    null,
    2,
  );
}

function csv(r: Report, m: ReportMeta): string {
  return toCsv([
    [...m.groupBy, ...TOTAL_COLUMNS],
    ...r.rows.map((row) => [...row.keys, ...TOTAL_COLUMNS.map((c) => row[c])]),
  ]);
}

/** `2026-03-07 00:00 → now (Europe/Paris)`. */
export function spanText(m: { since: number; until: number | null; timeZone: string }): string {
  const end = m.until === null ? "now" : localTime(m.until, m.timeZone);
  return `${localTime(m.since, m.timeZone)} → ${end} (${m.timeZone})`;
}

/** What the totals leave out (or, with `all`, take in), as a sentence; null when nothing. */
export function leftOutText(t: ReportTotals, all: boolean): string | null {
  const parts: string[] = [];
  if (t.other_calls) {
    parts.push(
      plural(t.other_calls, "request") + " that " +
        (t.other_calls === 1 ? "is" : "are") +
        " not a model call (telemetry, settings, token counts)",
    );
  }
  if (t.blocked_calls) parts.push(plural(t.blocked_calls, "call") + " blocked by policy");
  if (parts.length === 0) return null;
  return all
    ? `Including ${parts.join(" and ")} (--all).`
    : `Left out: ${parts.join(" and ")}; --all includes them.`;
}

function costText(x: ReportTotals, unpriced: boolean): string {
  if (!unpriced || !x.unpriced_calls) return formatUsd(x.cost_usd);
  if (x.cost_usd === 0 && x.unpriced_calls === x.calls) return "unpriced";
  return `${formatUsd(x.cost_usd)} (+${x.unpriced_calls} unpriced)`;
}

function table(r: Report, m: ReportMeta, colour: boolean): string {
  const what = m.all ? "All requests" : "Model calls";
  const by = m.groupBy.length ? `, by ${m.groupBy.join(", ")}` : "";
  const filters = Object.entries(m.filter)
    .map(([k, v]) => `${k} = ${v === null ? "(unknown)" : v}`);
  const lines = [
    `${what}, ${spanText(m)}${by}${filters.length ? `; ${filters.join(", ")}` : ""}`,
  ];
  // Without --all, blocked calls are not in `calls`: a column says where they were refused.
  const other = m.all && r.rows.some((x) => x.other_calls > 0);
  const blocked = r.rows.some((x) => x.blocked_calls > 0);
  const head = [
    ...m.groupBy.map((k) => HEADS[k]),
    "calls",
    ...(other ? ["other"] : []),
    ...(blocked ? ["blocked"] : []),
    "input",
    "output",
    "cache read",
    "cache write",
    "cost",
  ];
  const numbers = (x: ReportTotals, unpriced: boolean) => [
    formatInt(x.calls),
    ...(other ? [formatInt(x.other_calls)] : []),
    ...(blocked ? [formatInt(x.blocked_calls)] : []),
    formatInt(x.input_tokens),
    formatInt(x.output_tokens),
    formatInt(x.cache_read_tokens),
    formatInt(x.cache_write_tokens),
    costText(x, unpriced),
  ];
  const rows: string[][] = [];
  let previous: (string | null)[] = [];
  for (const row of r.rows) {
    // In a breakdown, an outer key is shown where it changes, not on every line.
    const keys = row.keys.map((k, i) => {
      const same = i < row.keys.length - 1 &&
        row.keys.slice(0, i + 1).every((v, j) => v === previous[j]);
      return same ? "" : k ?? "(unknown)";
    });
    previous = row.keys;
    rows.push([...keys, ...numbers(row, true)]);
  }
  const footer: string[][] = [];
  if (r.rows.length > 1 || m.groupBy.length === 0) {
    const label = m.groupBy.length ? ["total", ...m.groupBy.slice(1).map(() => "")] : [];
    footer.push([...label, ...numbers(r.totals, false)]);
  }
  lines.push(renderTable({
    head,
    align: head.map((_, i) => (i < m.groupBy.length ? "left" : "right")),
    rows,
    footer,
    colour,
  }));
  const left = leftOutText(r.totals, m.all);
  if (left) lines.push(left);
  if (r.totals.unpriced_calls) {
    lines.push(
      `${r.totals.unpriced_calls} call(s) have no price (unknown model or incomplete usage): the cost is a lower bound.`,
    );
  }
  return lines.join("\n");
}

export function renderReport(
  r: Report,
  m: ReportMeta,
  format: ReportFormat,
  colour = false,
): string {
  if (format === "json") return json(r, m);
  if (format === "csv") return csv(r, m);
  return table(r, m, colour);
}
