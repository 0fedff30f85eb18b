import { z } from "zod";
import { decodeCursor, type ListCallsFilter, MAX_LIMIT } from "../store/mod.ts";
import type { BreakdownBy, BreakdownRange, SeriesBy, SeriesRange } from "./build_overview.ts";

/** A parsed query, or the 400 message naming the parameter and what was expected. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const zone = z.string().max(64).refine((tz) => {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, { message: "expected an IANA time zone such as Europe/Paris or UTC" });

const time = z.string().regex(/^\d{1,15}$/, "expected epoch milliseconds").transform(Number);
const name = z.string().min(1).max(256);

function parse<S extends z.ZodObject>(schema: S, params: URLSearchParams): Parsed<z.output<S>> {
  const record: Record<string, string> = {};
  const known = Object.keys(schema.shape);
  for (const [k, v] of params) {
    if (!known.includes(k)) {
      return {
        ok: false,
        message: `unknown parameter ${JSON.stringify(k)}: expected one of ${known.join(", ")}`,
      };
    }
    if (k in record) return { ok: false, message: `${k} given twice: expected it once` };
    record[k] = v;
  }
  const r = schema.safeParse(record);
  if (r.success) return { ok: true, value: r.data };
  const issue = r.error.issues[0];
  const param = String(issue.path[0] ?? "query");
  return { ok: false, message: `${param} ${JSON.stringify(record[param])}: ${issue.message}` };
}

export function parseOverviewQuery(
  params: URLSearchParams,
): Parsed<{ timeZone: string; by: SeriesBy; range: SeriesRange }> {
  const r = parse(
    z.object({
      tz: zone.optional(),
      by: z.enum(["model", "project"]).optional(),
      range: z.enum(["24h", "7d", "30d"]).optional(),
    }),
    params,
  );
  if (!r.ok) return r;
  return {
    ok: true,
    value: {
      timeZone: r.value.tz ?? "UTC",
      by: r.value.by ?? "model",
      range: r.value.range ?? "30d",
    },
  };
}

export function parseBreakdownQuery(
  params: URLSearchParams,
): Parsed<{ timeZone: string; by: BreakdownBy; range: BreakdownRange }> {
  const r = parse(
    z.object({
      tz: zone.optional(),
      by: z.enum(["model", "project", "provider", "client"]),
      range: z.enum(["today", "7d", "30d", "month"]).optional(),
    }),
    params,
  );
  if (!r.ok) return r;
  return {
    ok: true,
    value: { timeZone: r.value.tz ?? "UTC", by: r.value.by, range: r.value.range ?? "30d" },
  };
}

export function parseCallsQuery(params: URLSearchParams): Parsed<ListCallsFilter> {
  const r = parse(
    z.object({
      project: name.optional(),
      model: name.optional(),
      provider: name.optional(),
      status: z.enum(["ok", "error", "blocked"]).optional(),
      since: time.optional(),
      until: time.optional(),
      limit: z.string().regex(/^\d{1,4}$/).transform(Number).refine(
        (n) => n >= 1 && n <= MAX_LIMIT,
        { message: `expected an integer from 1 to ${MAX_LIMIT}` },
      ).optional(),
      cursor: z.string().refine((c) => decodeCursor(c) !== null, {
        message: "expected the next_cursor value of a previous page",
      }).optional(),
    }),
    params,
  );
  return r;
}
