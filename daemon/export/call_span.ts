/**
 * One recorded call as one OpenTelemetry span (docs/EXPORT.md, "Span attributes"), following the
 * GenAI semantic conventions (v1.41: `gen_ai.provider.name`, which replaced `gen_ai.system`),
 * plus `halton_meter.*` attributes for what the conventions have no name for (cost, project,
 * client, key fingerprint). The key itself is never stored, so it cannot be sent.
 *
 * Ids are derived from the call id, so a span sent twice (at-least-once) is the same span: the
 * trace id is the call's UUIDv7 itself (128 bits, time-ordered, what `/v1/calls` shows), the span
 * id the first 8 bytes of sha256(call id).
 */
import { createHash } from "node:crypto";
import type { Resource } from "@opentelemetry/resources";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import type { CallRow } from "../store/mod.ts";

type Attributes = ReadableSpan["attributes"];

/** The instrumentation scope every span and metric carries. */
export interface Scope {
  name: string;
  version: string;
}

const SPAN_KIND_CLIENT = 2 as ReadableSpan["kind"];
const STATUS_UNSET = 0 as ReadableSpan["status"]["code"];
const STATUS_ERROR = 2 as ReadableSpan["status"]["code"];

function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The call id as a W3C trace id when it is a UUID; else a hash of it. Never all zeros. */
export function traceIdFor(callId: string): string {
  const hex = callId.replaceAll("-", "").toLowerCase();
  if (/^[0-9a-f]{32}$/.test(hex) && !/^0+$/.test(hex)) return hex;
  return sha256Hex(`trace:${callId}`).slice(0, 32);
}

/** First 8 bytes of sha256(call id), hex; never all zeros. */
export function spanIdFor(callId: string): string {
  const id = sha256Hex(callId).slice(0, 16);
  return /^0+$/.test(id) ? "0000000000000001" : id;
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

/** Epoch ms as OpenTelemetry's [seconds, nanoseconds]. */
function hrTime(ms: number): [number, number] {
  const s = Math.floor(ms / 1000);
  return [s, Math.round((ms - s * 1000) * 1e6)];
}

/** `error.type`: the provider's or our error kind, else the HTTP status of a failed answer. */
export function errorType(call: Pick<CallRow, "error_type" | "status">): string | null {
  if (call.error_type !== null) return call.error_type;
  if (call.status !== null && call.status >= 400) return String(call.status);
  return null;
}

/** The span attributes of a call; absent values are left out, never sent as 0 or "". */
export function spanAttributes(call: CallRow): Attributes {
  const a: Attributes = {};
  const set = (key: string, value: string | number | boolean | null) => {
    if (value !== null) a[key] = value;
  };
  set("gen_ai.operation.name", operationName(call.endpoint));
  set("gen_ai.provider.name", providerName(call.provider, call.host));
  set("gen_ai.request.model", call.request_model);
  set("gen_ai.response.model", call.response_model);
  set("gen_ai.response.id", call.response_id);
  set("gen_ai.usage.input_tokens", call.input_tokens);
  set("gen_ai.usage.output_tokens", call.output_tokens);
  set("gen_ai.usage.cache_read.input_tokens", call.cache_read_tokens);
  const w5 = call.cache_write_5m_tokens;
  const w1 = call.cache_write_1h_tokens;
  set(
    "gen_ai.usage.cache_creation.input_tokens",
    w5 === null && w1 === null ? null : (w5 ?? 0) + (w1 ?? 0),
  );
  set("gen_ai.usage.reasoning.output_tokens", call.reasoning_tokens);
  set("server.address", call.host);
  set("error.type", errorType(call));
  set("http.response.status_code", call.status);
  if (call.stream) a["gen_ai.request.stream"] = true;
  set("halton_meter.call.id", call.id);
  set("halton_meter.provider", call.provider);
  set("halton_meter.endpoint", call.endpoint);
  set("halton_meter.usage.completeness", call.usage_completeness);
  set("halton_meter.usage.cache_write_5m_tokens", w5);
  set("halton_meter.usage.cache_write_1h_tokens", w1);
  set("halton_meter.usage.web_search_requests", call.web_search_requests);
  set("halton_meter.usage.web_fetch_requests", call.web_fetch_requests);
  set("halton_meter.service_tier", call.service_tier);
  set("halton_meter.cost.usd", call.cost_usd);
  set("halton_meter.cost.input_usd", call.cost_input_usd);
  set("halton_meter.cost.cache_read_usd", call.cost_cache_read_usd);
  set("halton_meter.cost.cache_write_usd", call.cost_cache_write_usd);
  set("halton_meter.cost.output_usd", call.cost_output_usd);
  set("halton_meter.cost.unpriced_reason", call.unpriced_reason);
  set("halton_meter.cost.provider_reported_usd", call.provider_cost_usd);
  set("halton_meter.price_version", call.price_version);
  set("halton_meter.project", call.project);
  set("halton_meter.project.source", call.project_source);
  set("halton_meter.client", call.client);
  set("halton_meter.api_key.fingerprint", call.api_key_fp);
  set("halton_meter.provider_request_id", call.provider_request_id);
  set("halton_meter.ttfb_ms", call.ttfb_ms);
  set("halton_meter.bytes_up", call.bytes_up);
  set("halton_meter.bytes_down", call.bytes_down);
  set("halton_meter.policy.action", call.policy_action);
  set("halton_meter.policy.id", call.policy_id);
  return a;
}

/** The span of one call, in the shape the OTLP serializers of `@opentelemetry/otlp-transformer` read. */
export function callSpan(call: CallRow, resource: Resource, scope: Scope): ReadableSpan {
  const traceId = traceIdFor(call.id);
  const spanId = spanIdFor(call.id);
  const failed = errorType(call) !== null;
  const end = Math.max(call.ended_at, call.started_at);
  const duration = end - call.started_at;
  return {
    name: `${operationName(call.endpoint)} ${
      call.request_model ?? call.response_model ?? call.endpoint
    }`,
    kind: SPAN_KIND_CLIENT,
    spanContext: () => ({ traceId, spanId, traceFlags: 1 }),
    parentSpanContext: undefined,
    startTime: hrTime(call.started_at),
    endTime: hrTime(end),
    duration: [Math.floor(duration / 1000), Math.round((duration % 1000) * 1e6)],
    status: failed
      ? { code: STATUS_ERROR, message: call.error_message ?? errorType(call) ?? undefined }
      : { code: STATUS_UNSET },
    attributes: spanAttributes(call),
    links: [],
    events: [],
    ended: true,
    resource,
    instrumentationScope: scope,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}
