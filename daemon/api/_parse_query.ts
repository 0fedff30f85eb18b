import { z } from "zod";
import {
  decodeCursor,
  type ListCallsFilter,
  MAX_LIMIT,
  REPORT_DIMS,
  REPORT_TIMES,
  type ReportKey,
  type ReportQuery,
  type SummarizeOptions,
} from "../store/mod.ts";

/** A parsed query, or the 400 message naming the parameter, its value and what was expected. */
export type ParsedQuery<T> = { ok: true; value: T } | { ok: false; message: string };

const ISO_8601 =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/** Epoch ms, or ISO 8601 (a date alone is UTC midnight; a time without offset is local). */
function parseTime(text: string): number | null {
  if (/^\d{1,15}$/.test(text)) return Number(text);
  if (!ISO_8601.test(text)) return null;
  const ms = Date.parse(text.replace(" ", "T"));
  return Number.isFinite(ms) ? ms : null;
}

const time = z.string().transform((text, ctx) => {
  const ms = parseTime(text);
  if (ms === null) {
    ctx.addIssue({
      code: "custom",
      message: "expected an ISO 8601 date-time (e.g. 2025-06-01T12:00:00Z) or epoch milliseconds",
    });
    return z.NEVER;
  }
  return ms;
});

const name = z.string().min(1, "expected a non-empty name").max(
  256,
  "expected at most 256 characters",
);

const limit = z.string().transform((text, ctx) => {
  const n = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= 1 && n <= MAX_LIMIT)) {
    ctx.addIssue({ code: "custom", message: `expected an integer from 1 to ${MAX_LIMIT}` });
    return z.NEVER;
  }
  return n;
});

const cursor = z.string().refine((text) => decodeCursor(text) !== null, {
  message: "expected the next_cursor value of a previous page",
});

const bool = z.enum(["true", "false", "1", "0"], { error: "expected true or false" })
  .transform((v) => v === "true" || v === "1");

const offsetMinutes = z.string().transform((text, ctx) => {
  const n = /^[+-]?\d{1,4}$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= -840 && n <= 840)) {
    ctx.addIssue({ code: "custom", message: "expected an integer number of minutes, -840 to 840" });
    return z.NEVER;
  }
  return n;
});

const filterShape = {
  since: time.optional(),
  until: time.optional(),
  project: name.optional(),
  model: name.optional(),
  provider: name.optional(),
  client: name.optional(),
  include_self_test: bool.optional(),
};

const callsSchema = z.object({
  ...filterShape,
  limit: limit.optional(),
  cursor: cursor.optional(),
});

const summarySchema = z.object({
  ...filterShape,
  group_by: z.enum(["day", "project", "model", "provider", "client"], {
    error: "expected one of day, project, model, provider, client",
  }).optional(),
  utc_offset_minutes: offsetMinutes.optional(),
});

/**
 * Turns `URLSearchParams` into a plain record, refusing unknown names (a typo such as
 * `projct` must not silently widen the result) and repeated names.
 */
function toRecord(
  params: URLSearchParams,
  known: readonly string[],
): ParsedQuery<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [key, value] of params) {
    if (!known.includes(key)) {
      return {
        ok: false,
        message: `unknown parameter ${JSON.stringify(key)}: expected one of ${known.join(", ")}`,
      };
    }
    if (key in out) return { ok: false, message: `${key} given twice: expected it once` };
    out[key] = value;
  }
  return { ok: true, value: out };
}

/** Validates a record of single parameters, and that `until` (if any) comes after `since`. */
function validate<S extends z.ZodObject>(
  schema: S,
  record: Record<string, string>,
): ParsedQuery<z.output<S>> {
  const result = schema.safeParse(record);
  if (result.success) {
    const { since, until } = result.data as { since?: number; until?: number };
    if (since !== undefined && until !== undefined && until <= since) {
      return {
        ok: false,
        message: `until ${JSON.stringify(record.until)}: expected a time after since`,
      };
    }
    return { ok: true, value: result.data };
  }
  const issue = result.error.issues[0];
  const param = String(issue.path[0] ?? "query");
  return {
    ok: false,
    message: `${param} ${JSON.stringify(record[param])}: ${issue.message}`,
  };
}

function parseWith<S extends z.ZodObject>(
  schema: S,
  params: URLSearchParams,
): ParsedQuery<z.output<S>> {
  const record = toRecord(params, Object.keys(schema.shape));
  return record.ok ? validate(schema, record.value) : record;
}

type Filter = z.output<typeof callsSchema>;

function toFilter(q: Omit<Filter, "limit" | "cursor">) {
  return {
    since: q.since,
    until: q.until,
    project: q.project,
    model: q.model,
    provider: q.provider,
    client: q.client,
    includeSelfTest: q.include_self_test,
  };
}

/** Query of `GET /v1/calls`. */
export function parseCallsQuery(params: URLSearchParams): ParsedQuery<ListCallsFilter> {
  const parsed = parseWith(callsSchema, params);
  if (!parsed.ok) return parsed;
  const q = parsed.value;
  return { ok: true, value: { ...toFilter(q), limit: q.limit, cursor: q.cursor } };
}

/** Query of `GET /v1/summary`; `group_by` defaults to `day`. */
export function parseSummaryQuery(params: URLSearchParams): ParsedQuery<SummarizeOptions> {
  const parsed = parseWith(summarySchema, params);
  if (!parsed.ok) return parsed;
  const q = parsed.value;
  return {
    ok: true,
    value: {
      ...toFilter(q),
      groupBy: q.group_by ?? "day",
      utcOffsetMinutes: q.utc_offset_minutes,
    },
  };
}

const REPORT_KEYS = [...REPORT_TIMES, ...REPORT_DIMS] as const;
const REPORT_FILTERS = ["project", "model", "provider", "client", "key", "endpoint"] as const;

/** The single parameters of a report besides its filters (which take any value). */
const reportSchema = z.object({
  since: time.optional(),
  until: time.optional(),
  tz: z.string().refine((tz) => {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, { message: "expected an IANA time zone such as Europe/Paris or UTC" }).optional(),
  all: bool.optional(),
});

/**
 * Query of `GET /v1/report`: `group_by` repeated (outermost first, at most 4), `since`, `until`,
 * `tz` (IANA), `all`, and exact filters; a filter given empty means "unknown" (null).
 */
export function parseReportQuery(params: URLSearchParams): ParsedQuery<ReportQuery> {
  const known = ["group_by", "since", "until", "tz", "all", ...REPORT_FILTERS];
  const groupBy: ReportKey[] = [];
  const single: Record<string, string> = {};
  for (const [key, value] of params) {
    if (!known.includes(key)) {
      return {
        ok: false,
        message: `unknown parameter ${JSON.stringify(key)}: expected one of ${known.join(", ")}`,
      };
    }
    if (key === "group_by") {
      if (!(REPORT_KEYS as readonly string[]).includes(value)) {
        return {
          ok: false,
          message: `group_by ${JSON.stringify(value)}: expected one of ${REPORT_KEYS.join(", ")}`,
        };
      }
      if (groupBy.includes(value as ReportKey)) {
        return { ok: false, message: `group_by ${JSON.stringify(value)} given twice` };
      }
      groupBy.push(value as ReportKey);
      continue;
    }
    if (key in single) return { ok: false, message: `${key} given twice: expected it once` };
    single[key] = value;
  }
  if (groupBy.length > 4) return { ok: false, message: "group_by: at most 4 keys" };
  const parsed = validate(reportSchema, single);
  if (!parsed.ok) return parsed;
  const { since, until, tz, all } = parsed.value;
  const filter: ReportQuery["filter"] = {};
  for (const f of REPORT_FILTERS) {
    if (f in single) filter[f] = single[f] === "" ? null : single[f];
  }
  return { ok: true, value: { groupBy, since, until, timeZone: tz, all, filter } };
}
