import type { DatabaseSync } from "node:sqlite";
import { buildWhere } from "./_where.ts";
import type { SummarizeOptions, SummaryGroupBy, SummaryRow } from "./types.ts";

/** SQL for each group key. Model: what the provider says it ran, else what was asked. */
const KEY_SQL: Record<Exclude<SummaryGroupBy, "day">, string> = {
  project: "project",
  model: "COALESCE(response_model, request_model)",
  provider: "provider",
  client: "client",
};

function asNumber(value: unknown): number {
  return typeof value === "number" ? value : 0;
}

/**
 * Totals per group on the given (read) connection. Days are ordered oldest first; other
 * groups by cost, then calls. `unpriced_calls` counts calls without a cost whose endpoint
 * carries usage (`usage_completeness` not `none`), i.e. the spend the total is missing.
 */
export function summarize(db: DatabaseSync, options: SummarizeOptions): SummaryRow[] {
  const params: (string | number)[] = [];
  let keySql: string;
  let orderSql: string;
  if (options.groupBy === "day") {
    const offsetMs = Math.trunc((options.utcOffsetMinutes ?? 0) * 60_000);
    keySql = "strftime('%Y-%m-%d', (started_at + ?) / 1000, 'unixepoch')";
    params.push(offsetMs);
    orderSql = "key ASC";
  } else {
    keySql = KEY_SQL[options.groupBy];
    orderSql = "cost_usd DESC, calls DESC, key ASC";
  }
  const where = buildWhere(options);
  params.push(...where.params);
  const rows = db.prepare(
    `SELECT ${keySql} AS key,
      COUNT(*) AS calls,
      COALESCE(SUM(input_tokens), 0) AS input_tokens,
      COALESCE(SUM(output_tokens), 0) AS output_tokens,
      COALESCE(SUM(cache_read_tokens), 0) AS cache_read_tokens,
      COALESCE(SUM(cache_write_5m_tokens), 0) + COALESCE(SUM(cache_write_1h_tokens), 0)
        AS cache_write_tokens,
      COALESCE(SUM(reasoning_tokens), 0) AS reasoning_tokens,
      COALESCE(SUM(cost_usd), 0) AS cost_usd,
      SUM(cost_usd IS NULL AND usage_completeness != 'none') AS unpriced_calls
    FROM calls ${where.sql}
    GROUP BY key
    ORDER BY ${orderSql}`,
  ).all(...params);
  return rows.map((r) => ({
    key: typeof r.key === "string" ? r.key : null,
    calls: asNumber(r.calls),
    input_tokens: asNumber(r.input_tokens),
    output_tokens: asNumber(r.output_tokens),
    cache_read_tokens: asNumber(r.cache_read_tokens),
    cache_write_tokens: asNumber(r.cache_write_tokens),
    reasoning_tokens: asNumber(r.reasoning_tokens),
    cost_usd: asNumber(r.cost_usd),
    unpriced_calls: asNumber(r.unpriced_calls),
  }));
}
