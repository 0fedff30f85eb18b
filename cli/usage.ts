/**
 * `halton-meter usage [--json] [--since WHEN] [--group-by KEY]` — what was spent,
 * read straight from the database (works while the daemon is stopped).
 * Default: today (local time), grouped by model.
 */
import Table from "cli-table3";
import { DatabaseSync } from "node:sqlite";
import { homePaths } from "../core/mod.ts";
import { summarize, type SummaryGroupBy, type SummaryRow } from "../daemon/store/mod.ts";

export interface UsageOptions {
  home: string;
  json: boolean;
  since?: string;
  groupBy: string;
  now?: () => Date;
  print: (line: string) => void;
  printError: (line: string) => void;
}

const GROUPS: readonly SummaryGroupBy[] = ["model", "project", "provider", "client", "day"];

/** `today` (local midnight), `Nd` (N days back), or an ISO 8601 date/time. */
export function parseSince(value: string | undefined, now: Date): number | null {
  if (value === undefined || value === "today") {
    const d = new Date(now);
    d.setHours(0, 0, 0, 0);
    return d.getTime();
  }
  const days = /^(\d{1,4})d$/.exec(value);
  if (days) return now.getTime() - Number(days[1]) * 86_400_000;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : t;
}

function colour(): boolean {
  return !Deno.env.get("NO_COLOR") && Deno.stdout.isTerminal();
}

const fmtInt = (n: number) => n.toLocaleString("en-US");
const fmtUsd = (n: number) => `$${n.toFixed(n >= 100 ? 2 : 4)}`;

export function runUsage(opts: UsageOptions): number {
  const now = (opts.now ?? (() => new Date()))();
  const since = parseSince(opts.since, now);
  if (since === null) {
    opts.printError(
      `halton-meter usage: cannot read --since "${opts.since}": use today, 7d, or an ISO date like 2026-11-01`,
    );
    return 2;
  }
  if (!GROUPS.includes(opts.groupBy as SummaryGroupBy)) {
    opts.printError(
      `halton-meter usage: --group-by "${opts.groupBy}" is not one of ${GROUPS.join(", ")}`,
    );
    return 2;
  }
  const groupBy = opts.groupBy as SummaryGroupBy;
  const paths = homePaths(opts.home);
  let rows: SummaryRow[] = [];
  try {
    Deno.statSync(paths.db);
    const db = new DatabaseSync(paths.db, { readOnly: true });
    try {
      db.exec("PRAGMA busy_timeout = 2000");
      rows = summarize(db, {
        groupBy,
        since,
        utcOffsetMinutes: -now.getTimezoneOffset(),
      });
    } finally {
      db.close();
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) {
      opts.printError(
        `halton-meter usage: cannot read ${paths.db}: ${
          (err as Error).message
        }; run \`halton-meter doctor\``,
      );
      return 1;
    }
  }
  const total = rows.reduce(
    (t, r) => ({
      calls: t.calls + r.calls,
      input_tokens: t.input_tokens + r.input_tokens,
      output_tokens: t.output_tokens + r.output_tokens,
      cache_read_tokens: t.cache_read_tokens + r.cache_read_tokens,
      cache_write_tokens: t.cache_write_tokens + r.cache_write_tokens,
      cost_usd: t.cost_usd + r.cost_usd,
      unpriced_calls: t.unpriced_calls + r.unpriced_calls,
    }),
    {
      calls: 0,
      input_tokens: 0,
      output_tokens: 0,
      cache_read_tokens: 0,
      cache_write_tokens: 0,
      cost_usd: 0,
      unpriced_calls: 0,
    },
  );
  if (opts.json) {
    opts.print(JSON.stringify(
      { since: new Date(since).toISOString(), group_by: groupBy, rows, totals: total },
      null,
      2,
    ));
    return 0;
  }
  if (rows.length === 0) {
    opts.print(`No metered calls since ${new Date(since).toLocaleString()}.`);
    return 0;
  }
  const table = new Table({
    head: [groupBy, "calls", "input", "output", "cache read", "cache write", "cost"],
    colAligns: ["left", "right", "right", "right", "right", "right", "right"],
    // Colour only on a terminal, and never when NO_COLOR is set (no-color.org).
    style: colour() ? { head: ["cyan"] } : { head: [], border: [] },
  });
  for (const r of rows) {
    table.push([
      r.key ?? "(unknown)",
      fmtInt(r.calls),
      fmtInt(r.input_tokens),
      fmtInt(r.output_tokens),
      fmtInt(r.cache_read_tokens),
      fmtInt(r.cache_write_tokens),
      fmtUsd(r.cost_usd) + (r.unpriced_calls ? ` (+${r.unpriced_calls} unpriced)` : ""),
    ]);
  }
  table.push([
    "total",
    fmtInt(total.calls),
    fmtInt(total.input_tokens),
    fmtInt(total.output_tokens),
    fmtInt(total.cache_read_tokens),
    fmtInt(total.cache_write_tokens),
    fmtUsd(total.cost_usd),
  ]);
  opts.print(`Usage since ${new Date(since).toLocaleString()}`);
  opts.print(table.toString());
  if (total.unpriced_calls) {
    opts.print(
      `${total.unpriced_calls} call(s) have no price (unknown model or incomplete usage): the cost is a lower bound.`,
    );
  }
  return 0;
}
