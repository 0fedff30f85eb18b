import type { CallRecord } from "../../core/call_record.ts";
import type { CallRow } from "./types.ts";

/** A value SQLite stores for us: TEXT, INTEGER/REAL, or NULL. */
export type DbValue = string | number | null;

type Kind = "text" | "int" | "real";

/**
 * The current `calls` columns in insert order: [name, kind, nullable]. Migrations are
 * frozen SQL; this list describes the schema they produce, and a test checks the two agree.
 */
export const COLUMNS = [
  ["id", "text", false],
  ["started_at", "int", false],
  ["ended_at", "int", false],
  ["duration_ms", "int", false],
  ["ttfb_ms", "int", true],
  ["provider", "text", false],
  ["host", "text", false],
  ["method", "text", false],
  ["path", "text", false],
  ["endpoint", "text", false],
  ["request_model", "text", true],
  ["response_model", "text", true],
  ["stream", "int", false],
  ["status", "int", true],
  ["error_type", "text", true],
  ["error_message", "text", true],
  ["input_tokens", "int", true],
  ["output_tokens", "int", true],
  ["cache_read_tokens", "int", true],
  ["cache_write_5m_tokens", "int", true],
  ["cache_write_1h_tokens", "int", true],
  ["reasoning_tokens", "int", true],
  ["web_search_requests", "int", true],
  ["web_fetch_requests", "int", true],
  ["service_tier", "text", true],
  ["response_id", "text", true],
  ["usage_completeness", "text", false],
  ["cost_usd", "real", true],
  ["cost_input_usd", "real", true],
  ["cost_cache_read_usd", "real", true],
  ["cost_cache_write_usd", "real", true],
  ["cost_output_usd", "real", true],
  ["unpriced_reason", "text", true],
  ["price_version", "text", true],
  ["provider_cost_usd", "real", true],
  ["project", "text", true],
  ["project_source", "text", true],
  ["client", "text", true],
  ["api_key_fp", "text", true],
  ["provider_request_id", "text", true],
  ["rate_limit_json", "text", true],
  ["bytes_up", "int", false],
  ["bytes_down", "int", false],
  ["self_test", "int", false],
  ["policy_action", "text", true],
  ["policy_id", "text", true],
  ["policy_message", "text", true],
] as const satisfies readonly (readonly [string, Kind, boolean])[];

export type ColumnName = (typeof COLUMNS)[number][0];
export type DbRow = Record<ColumnName, DbValue>;

export const COLUMN_NAMES: readonly ColumnName[] = COLUMNS.map(([name]) => name);

export const ERROR_MESSAGE_MAX_CHARS = 500;

const COMPLETENESS = new Set(["complete", "incomplete", "none"]);

function finiteOrNull(value: number | null | undefined): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function msOrNull(value: number | null | undefined): number | null {
  const n = finiteOrNull(value);
  return n === null ? null : Math.round(n);
}

function truncate(value: string | null, max: number): string | null {
  return value !== null && value.length > max ? value.slice(0, max) : value;
}

/** Flattens a record into column values. Bad numbers become null; `isDbRow` then vets it. */
export function callToDbRow(r: CallRecord): DbRow {
  const u = r.usage;
  const c = r.cost;
  return {
    id: r.id,
    started_at: msOrNull(r.startedAt),
    ended_at: msOrNull(r.endedAt),
    duration_ms: msOrNull(r.durationMs),
    ttfb_ms: msOrNull(r.ttfbMs),
    provider: r.provider,
    host: r.host,
    method: r.method,
    path: r.path,
    endpoint: r.endpoint,
    request_model: r.requestModel,
    response_model: u.responseModel,
    stream: r.stream ? 1 : 0,
    status: finiteOrNull(r.status),
    error_type: u.errorType,
    error_message: truncate(u.errorMessage, ERROR_MESSAGE_MAX_CHARS),
    input_tokens: finiteOrNull(u.inputTokens),
    output_tokens: finiteOrNull(u.outputTokens),
    cache_read_tokens: finiteOrNull(u.cacheReadTokens),
    cache_write_5m_tokens: finiteOrNull(u.cacheWrite5mTokens),
    cache_write_1h_tokens: finiteOrNull(u.cacheWrite1hTokens),
    reasoning_tokens: finiteOrNull(u.reasoningTokens),
    web_search_requests: finiteOrNull(u.webSearchRequests),
    web_fetch_requests: finiteOrNull(u.webFetchRequests),
    service_tier: u.serviceTier,
    response_id: u.responseId,
    usage_completeness: u.completeness,
    cost_usd: finiteOrNull(c.totalUsd),
    cost_input_usd: finiteOrNull(c.inputUsd),
    cost_cache_read_usd: finiteOrNull(c.cacheReadUsd),
    cost_cache_write_usd: finiteOrNull(c.cacheWriteUsd),
    cost_output_usd: finiteOrNull(c.outputUsd),
    unpriced_reason: c.unpricedReason,
    price_version: c.priceVersion,
    provider_cost_usd: finiteOrNull(u.providerCostUsd),
    project: r.project,
    project_source: r.projectSource,
    client: r.client,
    api_key_fp: r.apiKeyFingerprint,
    provider_request_id: r.providerRequestId,
    rate_limit_json: r.rateLimit === null ? null : JSON.stringify(r.rateLimit),
    bytes_up: finiteOrNull(r.bytesUp),
    bytes_down: finiteOrNull(r.bytesDown),
    self_test: r.selfTest ? 1 : 0,
    policy_action: r.policy?.action ?? null,
    policy_id: r.policy?.id ?? null,
    policy_message: truncate(r.policy?.message ?? null, ERROR_MESSAGE_MAX_CHARS),
  };
}

/**
 * True when `value` can be inserted: every column present with the right type, and
 * NOT NULL columns set. Guards spool lines (read back from disk) and malformed records,
 * so one bad row can never fail a whole batch and mark a healthy database degraded.
 */
export function isDbRow(value: unknown): value is DbRow {
  if (typeof value !== "object" || value === null) return false;
  const row = value as Record<string, unknown>;
  for (const [name, kind, nullable] of COLUMNS) {
    const v = row[name];
    if (v === null || v === undefined) {
      if (!nullable) return false;
      continue;
    }
    if (kind === "text" ? typeof v !== "string" : typeof v !== "number" || !Number.isFinite(v)) {
      return false;
    }
  }
  return COMPLETENESS.has(String(row.usage_completeness));
}

function text(row: Record<string, unknown>, key: string): string {
  const v = row[key];
  if (typeof v !== "string") {
    throw new Error(`Cannot read calls.${key}: expected text, got ${typeof v}; check the schema`);
  }
  return v;
}

/** Null also for a column an older schema lacks (a CLI reading a database not yet migrated). */
function textOrNull(row: Record<string, unknown>, key: string): string | null {
  return row[key] === null || row[key] === undefined ? null : text(row, key);
}

function num(row: Record<string, unknown>, key: string): number {
  const v = row[key];
  if (typeof v !== "number") {
    throw new Error(
      `Cannot read calls.${key}: expected a number, got ${typeof v}; check the schema`,
    );
  }
  return v;
}

function numOrNull(row: Record<string, unknown>, key: string): number | null {
  return row[key] === null ? null : num(row, key);
}

function parseRateLimit(json: string | null): Record<string, string> | null {
  if (json === null) return null;
  try {
    const parsed: unknown = JSON.parse(json);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return null;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(parsed)) if (typeof v === "string") out[k] = v;
    return out;
  } catch {
    return null;
  }
}

function completeness(value: string): CallRow["usage_completeness"] {
  return value === "complete" || value === "incomplete" ? value : "none";
}

/** Narrows a `SELECT *` row from the `calls` table into the read-side shape. */
export function dbRowToCallRow(row: Record<string, unknown>): CallRow {
  return {
    id: text(row, "id"),
    started_at: num(row, "started_at"),
    ended_at: num(row, "ended_at"),
    duration_ms: num(row, "duration_ms"),
    ttfb_ms: numOrNull(row, "ttfb_ms"),
    provider: text(row, "provider"),
    host: text(row, "host"),
    method: text(row, "method"),
    path: text(row, "path"),
    endpoint: text(row, "endpoint"),
    request_model: textOrNull(row, "request_model"),
    response_model: textOrNull(row, "response_model"),
    stream: num(row, "stream") !== 0,
    status: numOrNull(row, "status"),
    error_type: textOrNull(row, "error_type"),
    error_message: textOrNull(row, "error_message"),
    input_tokens: numOrNull(row, "input_tokens"),
    output_tokens: numOrNull(row, "output_tokens"),
    cache_read_tokens: numOrNull(row, "cache_read_tokens"),
    cache_write_5m_tokens: numOrNull(row, "cache_write_5m_tokens"),
    cache_write_1h_tokens: numOrNull(row, "cache_write_1h_tokens"),
    reasoning_tokens: numOrNull(row, "reasoning_tokens"),
    web_search_requests: numOrNull(row, "web_search_requests"),
    web_fetch_requests: numOrNull(row, "web_fetch_requests"),
    service_tier: textOrNull(row, "service_tier"),
    response_id: textOrNull(row, "response_id"),
    usage_completeness: completeness(text(row, "usage_completeness")),
    cost_usd: numOrNull(row, "cost_usd"),
    cost_input_usd: numOrNull(row, "cost_input_usd"),
    cost_cache_read_usd: numOrNull(row, "cost_cache_read_usd"),
    cost_cache_write_usd: numOrNull(row, "cost_cache_write_usd"),
    cost_output_usd: numOrNull(row, "cost_output_usd"),
    unpriced_reason: textOrNull(row, "unpriced_reason"),
    price_version: textOrNull(row, "price_version"),
    provider_cost_usd: numOrNull(row, "provider_cost_usd"),
    project: textOrNull(row, "project"),
    project_source: textOrNull(row, "project_source"),
    client: textOrNull(row, "client"),
    api_key_fp: textOrNull(row, "api_key_fp"),
    provider_request_id: textOrNull(row, "provider_request_id"),
    rate_limit: parseRateLimit(textOrNull(row, "rate_limit_json")),
    bytes_up: num(row, "bytes_up"),
    bytes_down: num(row, "bytes_down"),
    self_test: num(row, "self_test") !== 0,
    policy_action: policyAction(textOrNull(row, "policy_action")),
    policy_id: textOrNull(row, "policy_id"),
    policy_message: textOrNull(row, "policy_message"),
  };
}

function policyAction(value: string | null): CallRow["policy_action"] {
  return value === "allow" || value === "warn" || value === "block" ? value : null;
}
