/**
 * Reads behind the metrics (docs/EXPORT.md): all-time totals per provider, model, project and
 * client from `rollup_15m`, then the rows written since, by rowid (see export_reads.ts), so the
 * counters are the database's own sums and survive restarts. Self-test rows are in neither.
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";

/** One (provider, model, project, client) group of the roll-up; unknown values are `''`. */
export interface MetricTotalsRow {
  provider: string;
  model: string;
  project: string;
  client: string;
  calls: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  cost_usd: number;
  unpriced_calls: number;
  /** The earliest 15-minute bucket the group has calls in (orders first appearance). */
  first_bucket: number;
}

export interface MetricTotals {
  rows: MetricTotalsRow[];
  /** The rowid the totals go up to: rows after it are not in them. */
  lastRowid: number;
  /** The id of the call at `lastRowid` (null when there is none): tells a replaced database. */
  lastId: string | null;
}

/** What the metrics need of one call; model, project and client `''` when unknown. */
export interface MetricRow {
  rowid: number;
  id: string;
  provider: string;
  host: string;
  endpoint: string;
  model: string;
  request_model: string | null;
  response_model: string | null;
  project: string;
  client: string;
  status: number | null;
  error_type: string | null;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  cost_usd: number | null;
  unpriced: boolean;
  duration_ms: number;
  ttfb_ms: number | null;
  self_test: boolean;
}

const n = (v: unknown): number => typeof v === "number" ? v : Number(v ?? 0);
const s = (v: unknown): string => typeof v === "string" ? v : "";
const sn = (v: unknown): string | null => typeof v === "string" ? v : null;
const nn = (v: unknown): number | null => v === null || v === undefined ? null : n(v);

/**
 * All-time totals, and the rowid they go up to. The two statements run back to back on the
 * daemon's one thread, where its writer runs too, so no write falls between them.
 */
export function metricTotals(db: DatabaseSync): MetricTotals {
  const rows = db.prepare(
    `SELECT provider, model, project, client, SUM(calls) AS calls,
       SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens,
       SUM(cache_read_tokens) AS cache_read_tokens, SUM(cache_write_tokens) AS cache_write_tokens,
       SUM(reasoning_tokens) AS reasoning_tokens, SUM(cost_usd) AS cost_usd,
       SUM(unpriced_calls) AS unpriced_calls, MIN(bucket) AS first_bucket
     FROM rollup_15m GROUP BY provider, model, project, client
     ORDER BY first_bucket, provider, model, project, client`,
  ).all().map((r) => ({
    provider: s(r.provider),
    model: s(r.model),
    project: s(r.project),
    client: s(r.client),
    calls: n(r.calls),
    input_tokens: n(r.input_tokens),
    output_tokens: n(r.output_tokens),
    cache_read_tokens: n(r.cache_read_tokens),
    cache_write_tokens: n(r.cache_write_tokens),
    reasoning_tokens: n(r.reasoning_tokens),
    cost_usd: n(r.cost_usd),
    unpriced_calls: n(r.unpriced_calls),
    first_bucket: n(r.first_bucket),
  }));
  const last = db.prepare("SELECT rowid AS r, id FROM calls ORDER BY rowid DESC LIMIT 1").get();
  return { rows, lastRowid: n(last?.r), lastId: sn(last?.id) };
}

/** The feed's reads, each second and on each scrape: prepared once per connection. */
interface FeedStatements {
  idAt: StatementSync;
  rowsAfter: StatementSync;
}

const prepared = new WeakMap<DatabaseSync, FeedStatements>();

function statements(db: DatabaseSync): FeedStatements {
  let st = prepared.get(db);
  if (st === undefined) {
    st = {
      idAt: db.prepare("SELECT id FROM calls WHERE rowid = ?"),
      rowsAfter: db.prepare(
        `SELECT rowid AS _rowid, id, provider, host, endpoint, request_model, response_model,
           COALESCE(response_model, request_model, '') AS model, COALESCE(project, '') AS project,
           COALESCE(client, '') AS client, status, error_type,
           COALESCE(input_tokens, 0) AS input_tokens, COALESCE(output_tokens, 0) AS output_tokens,
           COALESCE(cache_read_tokens, 0) AS cache_read_tokens,
           COALESCE(cache_write_5m_tokens, 0) + COALESCE(cache_write_1h_tokens, 0)
             AS cache_write_tokens,
           COALESCE(reasoning_tokens, 0) AS reasoning_tokens, cost_usd,
           cost_usd IS NULL AND usage_completeness != 'none' AS unpriced,
           duration_ms, ttfb_ms, self_test
         FROM calls WHERE rowid > ? ORDER BY rowid LIMIT ?`,
      ),
    };
    prepared.set(db, st);
  }
  return st;
}

/**
 * The id of the call at `rowid`, or null. A feed that followed rowids checks its position with
 * it: a replaced database starts again from 1, and `VACUUM` may renumber.
 */
export function metricIdAt(db: DatabaseSync, rowid: number): string | null {
  return sn(statements(db).idAt.get(rowid)?.id);
}

/** Up to `limit` rows written after `rowid`, in write order (self-test rows included). */
export function metricRowsAfter(db: DatabaseSync, rowid: number, limit: number): MetricRow[] {
  return statements(db).rowsAfter.all(rowid, limit).map((r) => ({
    rowid: n(r._rowid),
    id: s(r.id),
    provider: s(r.provider),
    host: s(r.host),
    endpoint: s(r.endpoint),
    model: s(r.model),
    request_model: sn(r.request_model),
    response_model: sn(r.response_model),
    project: s(r.project),
    client: s(r.client),
    status: nn(r.status),
    error_type: sn(r.error_type),
    input_tokens: n(r.input_tokens),
    output_tokens: n(r.output_tokens),
    cache_read_tokens: n(r.cache_read_tokens),
    cache_write_tokens: n(r.cache_write_tokens),
    reasoning_tokens: n(r.reasoning_tokens),
    cost_usd: nn(r.cost_usd),
    unpriced: n(r.unpriced) !== 0,
    duration_ms: n(r.duration_ms),
    ttfb_ms: nn(r.ttfb_ms),
    self_test: n(r.self_test) !== 0,
  }));
}
