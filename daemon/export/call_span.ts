/**
 * One recorded call as one OpenTelemetry span (docs/EXPORT.md, "Span attributes"), following the
 * GenAI semantic conventions (v1.41: `gen_ai.provider.name`, which replaced `gen_ai.system`),
 * plus `halton_meter.*` attributes for what the conventions have no name for (cost, project,
 * client, key fingerprint). The key itself is never stored, so it cannot be sent.
 *
 * Ids are derived from the call id, so a span sent twice (at-least-once) is the same span: the
 * trace id is the call's UUIDv7 itself (128 bits, time-ordered, what `/v1/calls` shows), the span
 * id the first 8 bytes of sha256(call id).
 *
 * A span is plain data with its attributes as one flat list, what the encoders
 * (`otlp_trace_body.ts`) walk once: this runs for every exported call.
 */
import { createHash } from "node:crypto";
import type { ColumnName, ExportRow, ExportValue } from "../store/mod.ts";

/** The instrumentation scope every span and metric carries. */
export interface Scope {
  name: string;
  version: string;
}

/** Key, value, key, value, ...: values are never null (absent attributes are left out). */
export type AttributeList = (string | number | boolean)[];

export interface CallSpan {
  /** 32 lower-case hex digits. */
  traceId: string;
  /** 16 lower-case hex digits. */
  spanId: string;
  name: string;
  /** Epoch ms. */
  startMs: number;
  /** Epoch ms, never before `startMs`. */
  endMs: number;
  /** OTLP `Status.code`: `STATUS_CODE_UNSET` (0) or `STATUS_CODE_ERROR` (2). */
  statusCode: 0 | 2;
  /** `Status.message`; "" for none. */
  statusMessage: string;
  attributes: AttributeList;
}

/** OTLP's `SPAN_KIND_CLIENT`. */
export const SPAN_KIND_CLIENT = 3;
export const STATUS_CODE_ERROR = 2;

function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

const UUID_HEX = /^[0-9a-f]{32}$/;
const ZEROS = /^0+$/;

/** The call id as a W3C trace id when it is a UUID; else a hash of it. Never all zeros. */
export function traceIdFor(callId: string): string {
  const hex = callId.replaceAll("-", "").toLowerCase();
  if (UUID_HEX.test(hex) && !ZEROS.test(hex)) return hex;
  return sha256Hex(`trace:${callId}`).slice(0, 32);
}

/** First 8 bytes of sha256(call id), hex; never all zeros. */
export function spanIdFor(callId: string): string {
  const id = sha256Hex(callId).slice(0, 16);
  return ZEROS.test(id) ? "0000000000000001" : id;
}

const OPERATIONS: Record<string, string> = {
  messages: "chat",
  chat_completions: "chat",
  responses: "chat",
  realtime: "chat",
  generate_content: "generate_content",
};

/** `gen_ai.operation.name`: the conventions' value where one applies, else our endpoint kind. */
export function operationName(endpoint: string): string {
  return OPERATIONS[endpoint] ?? endpoint;
}

const PROVIDERS: Record<string, string> = {
  anthropic: "anthropic",
  openai: "openai",
  azure: "azure.ai.openai",
  aws: "aws.bedrock",
  deepseek: "deepseek",
  groq: "groq",
  mistral: "mistral_ai",
  "x-ai": "x_ai",
};

/** `gen_ai.provider.name`: the conventions' well-known values, else our provider id. */
export function providerName(provider: string, host: string): string {
  if (host.endsWith("aiplatform.googleapis.com")) return "gcp.vertex_ai";
  if (provider === "google") return "gcp.gemini";
  return PROVIDERS[provider] ?? provider;
}

/** `error.type`: the provider's or our error kind, else the HTTP status of a failed answer. */
export function errorType(
  call: { error_type: string | null; status: number | null },
): string | null {
  if (call.error_type !== null) return call.error_type;
  if (call.status !== null && call.status >= 400) return String(call.status);
  return null;
}

/**
 * Attributes copied from a column when it is set, in the order they are sent. The derived ones
 * (`gen_ai.operation.name`, `gen_ai.provider.name`, the cache-creation sum, `error.type`,
 * `gen_ai.request.stream`) come first, from `callSpan`.
 */
const COPIED: readonly (readonly [string, ColumnName])[] = [
  ["gen_ai.request.model", "request_model"],
  ["gen_ai.response.model", "response_model"],
  ["gen_ai.response.id", "response_id"],
  ["gen_ai.usage.input_tokens", "input_tokens"],
  ["gen_ai.usage.output_tokens", "output_tokens"],
  ["gen_ai.usage.cache_read.input_tokens", "cache_read_tokens"],
  ["gen_ai.usage.reasoning.output_tokens", "reasoning_tokens"],
  ["server.address", "host"],
  ["http.response.status_code", "status"],
  ["halton_meter.call.id", "id"],
  ["halton_meter.provider", "provider"],
  ["halton_meter.endpoint", "endpoint"],
  ["halton_meter.usage.completeness", "usage_completeness"],
  ["halton_meter.usage.cache_write_5m_tokens", "cache_write_5m_tokens"],
  ["halton_meter.usage.cache_write_1h_tokens", "cache_write_1h_tokens"],
  ["halton_meter.usage.web_search_requests", "web_search_requests"],
  ["halton_meter.usage.web_fetch_requests", "web_fetch_requests"],
  ["halton_meter.service_tier", "service_tier"],
  ["halton_meter.cost.usd", "cost_usd"],
  ["halton_meter.cost.input_usd", "cost_input_usd"],
  ["halton_meter.cost.cache_read_usd", "cost_cache_read_usd"],
  ["halton_meter.cost.cache_write_usd", "cost_cache_write_usd"],
  ["halton_meter.cost.output_usd", "cost_output_usd"],
  ["halton_meter.cost.unpriced_reason", "unpriced_reason"],
  ["halton_meter.cost.provider_reported_usd", "provider_cost_usd"],
  ["halton_meter.price_version", "price_version"],
  ["halton_meter.project", "project"],
  ["halton_meter.project.source", "project_source"],
  ["halton_meter.client", "client"],
  ["halton_meter.api_key.fingerprint", "api_key_fp"],
  ["halton_meter.provider_request_id", "provider_request_id"],
  ["halton_meter.ttfb_ms", "ttfb_ms"],
  ["halton_meter.bytes_up", "bytes_up"],
  ["halton_meter.bytes_down", "bytes_down"],
  ["halton_meter.policy.action", "policy_action"],
  ["halton_meter.policy.id", "policy_id"],
];

/** The columns a span is made of (the store returns `[rowid, id, ...SPAN_COLUMNS]`). */
export const SPAN_COLUMNS: readonly ColumnName[] = [
  ...new Set<ColumnName>([
    "started_at",
    "ended_at",
    "endpoint",
    "provider",
    "host",
    "request_model",
    "response_model",
    "stream",
    "status",
    "error_type",
    "error_message",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "self_test",
    ...COPIED.map(([, column]) => column).filter((c) => c !== "id"),
  ]),
];

/** Where a column is in a row. */
function at(column: ColumnName): number {
  return column === "id" ? 1 : 2 + SPAN_COLUMNS.indexOf(column);
}
const STARTED_AT = at("started_at");
const ENDED_AT = at("ended_at");
const ENDPOINT = at("endpoint");
const PROVIDER = at("provider");
const HOST = at("host");
const REQUEST_MODEL = at("request_model");
const RESPONSE_MODEL = at("response_model");
const STREAM = at("stream");
const STATUS = at("status");
const ERROR_TYPE = at("error_type");
const ERROR_MESSAGE = at("error_message");
const CACHE_WRITE_5M = at("cache_write_5m_tokens");
const CACHE_WRITE_1H = at("cache_write_1h_tokens");
const SELF_TEST = at("self_test");
const COPIED_AT: readonly (readonly [string, number])[] = COPIED.map(([key, c]) => [key, at(c)]);

const str = (v: ExportValue): string | null => typeof v === "string" ? v : null;
const num = (v: ExportValue): number | null => typeof v === "number" ? v : null;

/** A self-test row (`doctor`): never exported. */
export function isSelfTest(row: ExportRow): boolean {
  return row[SELF_TEST] !== 0;
}

/** The span of one call, from a row of `[rowid, id, ...SPAN_COLUMNS]`. */
export function callSpan(row: ExportRow): CallSpan {
  const id = row[1] as string; // the store checked it
  const endpoint = str(row[ENDPOINT]) ?? "";
  const started = num(row[STARTED_AT]) ?? 0;
  const error = errorType({ error_type: str(row[ERROR_TYPE]), status: num(row[STATUS]) });
  const a: AttributeList = [
    "gen_ai.operation.name",
    operationName(endpoint),
    "gen_ai.provider.name",
    providerName(str(row[PROVIDER]) ?? "", str(row[HOST]) ?? ""),
  ];
  const w5 = num(row[CACHE_WRITE_5M]);
  const w1 = num(row[CACHE_WRITE_1H]);
  if (w5 !== null || w1 !== null) {
    a.push("gen_ai.usage.cache_creation.input_tokens", (w5 ?? 0) + (w1 ?? 0));
  }
  if (error !== null) a.push("error.type", error);
  if (row[STREAM] !== 0) a.push("gen_ai.request.stream", true);
  for (let i = 0; i < COPIED_AT.length; i++) {
    const [key, column] = COPIED_AT[i];
    const v = row[column];
    if (v !== null) a.push(key, v);
  }
  return {
    traceId: traceIdFor(id),
    spanId: spanIdFor(id),
    name: `${operationName(endpoint)} ${
      str(row[REQUEST_MODEL]) ?? str(row[RESPONSE_MODEL]) ?? endpoint
    }`,
    startMs: started,
    endMs: Math.max(num(row[ENDED_AT]) ?? started, started),
    statusCode: error === null ? 0 : STATUS_CODE_ERROR,
    statusMessage: error === null ? "" : (str(row[ERROR_MESSAGE]) ?? error),
    attributes: a,
  };
}
