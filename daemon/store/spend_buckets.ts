import type { DatabaseSync } from "node:sqlite";

/** A column a budget scope can narrow on; `model` is the requested or the responded model. */
export type SpendColumn =
  | "provider"
  | "host"
  | "endpoint"
  | "model"
  | "project"
  | "client"
  | "api_key_fp";

export interface SpendQuery {
  /** Epoch ms; rows that started at or after the start of this minute count. */
  since: number;
  /** Every term must hold; a term holds when the column matches any of its patterns. */
  where: { column: SpendColumn; patterns: readonly string[] }[];
}

export interface SpendBucketRow {
  minute: number;
  usd: number;
  tokens: number;
  /** Calls that carried usage (`usage_completeness` not `none`). */
  calls: number;
}

/**
 * Spend per minute for a budget scope, oldest first, on the caller's (read) connection.
 * Patterns are SQLite GLOB operands matched against `lower(column)` (see policy/glob.ts,
 * whose in-memory matcher agrees with this one). Self-test rows never count.
 */
export function spendBuckets(db: DatabaseSync, q: SpendQuery): SpendBucketRow[] {
  const terms = ["started_at >= ?", "self_test = 0"];
  const params: (string | number)[] = [Math.floor(q.since / 60_000) * 60_000];
  for (const { column, patterns } of q.where) {
    if (patterns.length === 0) continue;
    const one = column === "model"
      ? "(lower(request_model) GLOB ? OR lower(response_model) GLOB ?)"
      : `lower(${column}) GLOB ?`;
    terms.push(`(${patterns.map(() => one).join(" OR ")})`);
    for (const p of patterns) {
      params.push(p);
      if (column === "model") params.push(p);
    }
  }
  const rows = db.prepare(
    `SELECT started_at / 60000 AS minute,
      COALESCE(SUM(cost_usd), 0) AS usd,
      COALESCE(SUM(COALESCE(input_tokens, 0) + COALESCE(output_tokens, 0)), 0) AS tokens,
      SUM(usage_completeness != 'none') AS calls
    FROM calls WHERE ${terms.join(" AND ")}
    GROUP BY minute ORDER BY minute`,
  ).all(...params);
  return rows.map((r) => ({
    minute: Number(r.minute),
    usd: Number(r.usd),
    tokens: Number(r.tokens),
    calls: Number(r.calls),
  }));
}

export interface RateLimitRow {
  account: string | null;
  provider: string;
  /** Epoch ms the response ended. */
  seenAt: number;
  headers: Record<string, string>;
}

/** Rate-limit snapshots recorded since `since`, oldest first (at most `limit`, the newest). */
export function rateLimitRows(db: DatabaseSync, since: number, limit = 20_000): RateLimitRow[] {
  const rows = db.prepare(
    `SELECT api_key_fp, provider, ended_at, rate_limit_json FROM (
      SELECT api_key_fp, provider, ended_at, rate_limit_json FROM calls
      WHERE started_at >= ? AND rate_limit_json IS NOT NULL AND self_test = 0
      ORDER BY started_at DESC LIMIT ?
    ) ORDER BY ended_at`,
  ).all(since, limit);
  const out: RateLimitRow[] = [];
  for (const r of rows) {
    let headers: unknown;
    try {
      headers = JSON.parse(String(r.rate_limit_json));
    } catch {
      continue;
    }
    if (typeof headers !== "object" || headers === null || Array.isArray(headers)) continue;
    const clean: Record<string, string> = {};
    for (const [k, v] of Object.entries(headers)) if (typeof v === "string") clean[k] = v;
    out.push({
      account: typeof r.api_key_fp === "string" ? r.api_key_fp : null,
      provider: String(r.provider),
      seenAt: Number(r.ended_at),
      headers: clean,
    });
  }
  return out;
}
