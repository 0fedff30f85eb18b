import { emptyUsage, type Usage } from "../core/mod.ts";
import { countAt, isObject, objAt, parseJson, stringAt, sumCounts } from "./_json.ts";
import { providerError } from "./_provider_error.ts";
import { type BodyEnd, createResponseDriver } from "./_response_driver.ts";
import { createUsageCheck, type UsageCheck } from "./_usage_check.ts";
import type { SseEvent } from "./sse_parser.ts";
import type { ResponseContext, ResponseParser } from "./types.ts";

/** Anthropic's own counts, kept as reported (input EXCLUDES cache) until the end. */
interface Counts {
  input: number | null;
  output: number | null;
  cacheWrite: number | null;
  cacheRead: number | null;
  /** TTL split of cacheWrite, when the provider reported one. */
  split: { m5: number; h1: number } | null;
  /** `output_tokens_details.thinking_tokens`, already inside `output`. */
  thinking: number | null;
  webSearch: number | null;
  webFetch: number | null;
  serviceTier: string | null;
}

function applyUsage(c: Counts, usage: unknown, check: UsageCheck): void {
  if (!isObject(usage)) return;
  check.scan(usage);
  // A later count that is not one supersedes the earlier (provisional) one: now unknown.
  const later = (key: string, before: number | null) =>
    check.isInvalid(usage, key) ? null : countAt(usage, key) ?? before;
  c.input = later("input_tokens", c.input);
  c.output = later("output_tokens", c.output);
  c.thinking = countAt(objAt(usage, "output_tokens_details"), "thinking_tokens") ?? c.thinking;
  c.cacheRead = later("cache_read_input_tokens", c.cacheRead);
  const write = countAt(usage, "cache_creation_input_tokens");
  const creation = objAt(usage, "cache_creation");
  if (creation !== null) {
    c.split = {
      m5: countAt(creation, "ephemeral_5m_input_tokens") ?? 0,
      h1: countAt(creation, "ephemeral_1h_input_tokens") ?? 0,
    };
  } else if (write !== null && c.split !== null && c.split.m5 + c.split.h1 !== write) {
    // A later total without a split: keep the 1h part we knew (it cannot grow
    // unseen) and attribute the rest to the default 5m TTL.
    const h1 = Math.min(c.split.h1, write);
    c.split = { m5: write - h1, h1 };
  }
  c.cacheWrite = write ?? c.cacheWrite;
  const tools = objAt(usage, "server_tool_use");
  if (tools !== null) {
    c.webSearch = countAt(tools, "web_search_requests") ?? c.webSearch;
    c.webFetch = countAt(tools, "web_fetch_requests") ?? c.webFetch;
  }
  c.serviceTier = stringAt(usage, "service_tier") ?? c.serviceTier;
}

function toUsage(c: Counts, base: Usage): Usage {
  const write = c.cacheWrite ?? (c.split === null ? null : c.split.m5 + c.split.h1);
  return {
    ...base,
    inputTokens: sumCounts(c.input, write, c.cacheRead),
    outputTokens: c.output,
    cacheReadTokens: c.cacheRead,
    // Without a `cache_creation` object the TTL is the default 5 minutes.
    cacheWrite5mTokens: c.split?.m5 ?? write,
    cacheWrite1hTokens: c.split?.h1 ?? null,
    reasoningTokens: c.thinking,
    webSearchRequests: c.webSearch,
    webFetchRequests: c.webFetch,
    serviceTier: c.serviceTier,
  };
}

/**
 * Usage of an Anthropic Messages response (plain JSON or SSE stream); also
 * used for Vertex AI `rawPredict`/`streamRawPredict`, which carry the same shapes.
 *
 * Stream rules: `message_start` gives the full usage with a provisional output
 * count; each `message_delta` carries CUMULATIVE usage (the last one wins and
 * its input/cache counts supersede `message_start`). Final usage is
 * `complete` only once a `message_delta` and `message_stop` were both seen;
 * otherwise what was seen is kept and marked `incomplete`.
 */
export function createAnthropicMessagesParser(ctx: ResponseContext): ResponseParser {
  const counts: Counts = {
    input: null,
    output: null,
    cacheWrite: null,
    cacheRead: null,
    split: null,
    thinking: null,
    webSearch: null,
    webFetch: null,
    serviceTier: null,
  };
  const base = emptyUsage();
  const check = createUsageCheck();
  let sawDelta = false;
  let sawStop = false;
  let plainMessage = false;
  let bodyError = false;

  function setError(value: unknown): boolean {
    const err = providerError(value);
    if (err === null) return false;
    base.errorType = err.type;
    base.errorMessage = err.message;
    return true;
  }

  function onEvent(event: SseEvent): void {
    if (event.data === "") return;
    const parsed = parseJson(event.data);
    if (!parsed.ok || !isObject(parsed.value)) return;
    const data = parsed.value;
    switch (data["type"] ?? event.type) {
      case "message_start": {
        const message = objAt(data, "message");
        base.responseId = stringAt(message, "id") ?? base.responseId;
        base.responseModel = stringAt(message, "model") ?? base.responseModel;
        applyUsage(counts, objAt(message, "usage"), check);
        break;
      }
      case "message_delta":
        applyUsage(counts, objAt(data, "usage"), check);
        sawDelta = true;
        break;
      case "message_stop":
        sawStop = true;
        break;
      case "error":
        setError(data);
        break;
      default:
        break; // ping, content_block_*: no usage
    }
  }

  function onJson(value: unknown): void {
    if (setError(value)) {
      bodyError = true;
      return;
    }
    if (!isObject(value)) return;
    base.responseId = stringAt(value, "id");
    base.responseModel = stringAt(value, "model");
    const usage = objAt(value, "usage");
    applyUsage(counts, usage, check);
    plainMessage = usage !== null && (counts.input !== null || counts.output !== null);
  }

  function finish(end: BodyEnd): Usage {
    const usage = toUsage(counts, base);
    if (end.mode === "sse") {
      usage.completeness = sawDelta && sawStop ? "complete" : "incomplete";
    } else if (plainMessage) {
      usage.completeness = "complete";
    } else if (bodyError || ctx.status >= 400) {
      usage.completeness = "none"; // a refused call is not billed
    } else {
      usage.completeness = "incomplete";
    }
    return check.mark(usage);
  }

  return createResponseDriver(ctx, { onEvent, onJson, finish });
}
