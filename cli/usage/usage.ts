/**
 * `halton-meter usage [--group-by KEY]... [--since WHEN] [--until WHEN] [--tz ZONE] [--all]
 * [--json | --csv] [--project P] [--model M] [--provider P] [--client C] [--key FP]`
 *
 * What was spent, read straight from the database (works while the daemon is stopped): model
 * calls grouped by day, week, month, hour, project, model, provider, client, API key or endpoint
 * (repeat `--group-by` for a breakdown, outermost first). Default: today in the machine's time
 * zone, by model. Requests that are not model calls (telemetry, settings, token counts) and
 * calls blocked by policy are left out and counted on a line of their own; `--all` takes them
 * in. Columns and shapes: docs/REPORTS.md.
 */
import { homePaths } from "../../core/mod.ts";
import {
  type Report,
  report,
  REPORT_DIMS,
  REPORT_TIMES,
  type ReportDim,
  type ReportKey,
  type ReportQuery,
} from "../../daemon/store/mod.ts";
import { readDatabase } from "./_database.ts";
import { parseSpan, resolveTimeZone } from "./parse_span.ts";
import { renderReport, type ReportFormat, spanText } from "./render_report.ts";

export interface UsageOptions {
  home: string;
  format: ReportFormat;
  since?: string;
  until?: string;
  /** IANA zone days, weeks and months are cut in; default: the machine's. */
  timeZone?: string;
  /** Outermost first; empty: by model. Comma-separated values are split. */
  groupBy: string[];
  all: boolean;
  filter: Partial<Record<ReportDim, string>>;
  colour: boolean;
  print: (line: string) => void;
  printError: (line: string) => void;
}

export interface UsageDeps {
  now(): number;
  /** Runs a report on the database; null when there is no database yet. */
  readReport(dbPath: string, q: ReportQuery): Report | null;
}

export const defaultUsageDeps: UsageDeps = {
  now: Date.now,
  readReport: (path, q) => readDatabase(path, (db) => report(db, q)),
};

const KEYS: readonly ReportKey[] = [...REPORT_TIMES, ...REPORT_DIMS];

/** `--group-by` values, split at commas, checked, in order. */
export function parseGroupBy(values: readonly string[]): ReportKey[] | string {
  const keys: ReportKey[] = [];
  for (const v of values.flatMap((x) => x.split(",")).map((x) => x.trim()).filter(Boolean)) {
    if (!(KEYS as readonly string[]).includes(v)) {
      return `--group-by "${v}" is not one of ${KEYS.join(", ")}`;
    }
    if (keys.includes(v as ReportKey)) return `--group-by "${v}" is given twice`;
    keys.push(v as ReportKey);
  }
  if (keys.length > 4) return "--group-by: at most 4 keys";
  return keys.length ? keys : ["model"];
}

export function runUsage(opts: UsageOptions, deps: UsageDeps = defaultUsageDeps): number {
  const fail = (message: string) => {
    opts.printError(`halton-meter usage: ${message}`);
    return 2;
  };
  const zone = resolveTimeZone(opts.timeZone);
  if (!zone.ok) return fail(zone.message);
  const { timeZone } = zone;
  const groupBy = parseGroupBy(opts.groupBy);
  if (typeof groupBy === "string") return fail(groupBy);
  const parsed = parseSpan({ since: opts.since, until: opts.until }, deps.now(), timeZone);
  if (!parsed.ok) return fail(parsed.message);
  const { since, until } = parsed.span;
  const filter: Partial<Record<ReportDim, string | null>> = { ...opts.filter };
  const path = homePaths(opts.home).db;
  let result: Report | null;
  try {
    result = deps.readReport(path, {
      since,
      until: until ?? undefined,
      groupBy,
      timeZone,
      all: opts.all,
      filter,
    });
  } catch (err) {
    opts.printError(
      `halton-meter usage: cannot read ${path}: ${
        (err as Error).message
      }; run \`halton-meter doctor\``,
    );
    return 1;
  }
  const r: Report = result ?? {
    rows: [],
    totals: {
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
    },
  };
  const meta = { since, until, timeZone, groupBy, all: opts.all, filter };
  if (opts.format === "table" && r.rows.length === 0) {
    opts.print(`No metered calls, ${spanText(meta)}.`);
    const t = r.totals;
    if (t.other_calls || t.blocked_calls) {
      opts.print(
        `(${t.other_calls} request(s) that are not model calls and ${t.blocked_calls} blocked call(s): --all shows them.)`,
      );
    }
    return 0;
  }
  opts.print(renderReport(r, meta, opts.format, opts.colour));
  return 0;
}
