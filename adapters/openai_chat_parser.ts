import { emptyUsage, type Usage } from "../core/mod.ts";
import {
  countAt,
  isObject,
  type JsonObject,
  numberAt,
  objAt,
  parseJson,
  stringAt,
} from "./_json.ts";
import { providerError } from "./_provider_error.ts";
import { type BodyEnd, createResponseDriver } from "./_response_driver.ts";
import { createUsageCheck } from "./_usage_check.ts";
import type { SseEvent } from "./sse_parser.ts";
import type { ResponseContext, ResponseParser } from "./types.ts";

/** What differs between OpenAI-compatible providers' chat usage. */
export interface ChatFlavor {
  /** `usage.cost` is the provider's charge in USD (OpenRouter credits are USD). */
  costIsUsd?: boolean;
  /**
   * `reasoning_tokens` are NOT part of `completion_tokens` (xAI: "counted
   * separately from completion_tokens, but counted in total_tokens").
   */
  reasoningOutsideCompletion?: boolean;
}

/**
 * Output total from completion and reasoning counts. Besides the flavor flag,
 * a `total_tokens` equal to prompt + completion + reasoning proves the
 * reasoning was left out of `completion_tokens`, whoever the provider is.
 */
export function outputWithReasoning(
  input: number | null,
  output: number | null,
  reasoning: number | null,
  total: number | null,
  outside: boolean,
): number | null {
  if (output === null || reasoning === null || reasoning === 0) return output;
  const additive = outside || (input !== null && total === input + output + reasoning);
  return additive ? output + reasoning : output;
}

/**
 * Reads one chat-completions `usage` object. `prompt_tokens` already includes
 * cached tokens and `completion_tokens` already includes reasoning, so both
 * map straight to the totals. Vendor fields: DeepSeek `prompt_cache_hit_tokens`,
 * OpenRouter `prompt_tokens_details.cache_write_tokens` (TTL unspecified → 5m) and `cost`.
 */
export function applyChatUsage(out: Usage, u: JsonObject, flavor: ChatFlavor): void {
  const prompt = objAt(u, "prompt_tokens_details");
  const completion = objAt(u, "completion_tokens_details");
  out.inputTokens = countAt(u, "prompt_tokens");
  out.reasoningTokens = countAt(completion, "reasoning_tokens");
  out.outputTokens = outputWithReasoning(
    out.inputTokens,
    countAt(u, "completion_tokens"),
    out.reasoningTokens,
    countAt(u, "total_tokens"),
    flavor.reasoningOutsideCompletion === true,
  );
  out.cacheReadTokens = countAt(prompt, "cached_tokens") ?? countAt(u, "prompt_cache_hit_tokens");
  out.cacheWrite5mTokens = countAt(prompt, "cache_write_tokens");
  if (flavor.costIsUsd === true) out.providerCostUsd = numberAt(u, "cost");
}

/** The usage object of a chunk or body: top-level `usage`, or Groq's `x_groq.usage`. */
function usageOf(value: JsonObject): JsonObject | null {
  return objAt(value, "usage") ?? objAt(objAt(value, "x_groq"), "usage");
}

/**
 * Usage of a chat-completions response, plain or streamed, for OpenAI and the
 * compatible providers. In a stream, usage comes only in a final chunk
 * (`choices: []` or `null`) when `stream_options.include_usage` was set (some
 * providers always send it, some a chunk early); the last non-null one wins.
 * A stream without it is `incomplete` with null counts: nothing is invented.
 */
export function createChatCompletionsParser(
  ctx: ResponseContext,
  flavor: ChatFlavor = {},
): ResponseParser {
  const out = emptyUsage();
  let finalUsage: JsonObject | null = null;
  let bodyError = false;

  function takeIds(value: JsonObject): void {
    out.responseId ??= stringAt(value, "id");
    out.responseModel ??= stringAt(value, "model");
    out.serviceTier = stringAt(value, "service_tier") ?? out.serviceTier;
  }

  function setError(value: unknown): boolean {
    const err = providerError(value);
    if (err === null) return false;
    out.errorType = err.type;
    out.errorMessage = err.message;
    return true;
  }

  function onEvent(event: SseEvent): void {
    const data = event.data.trim();
    if (data === "" || data === "[DONE]") return;
    const parsed = parseJson(data);
    if (!parsed.ok || !isObject(parsed.value)) return;
    const chunk = parsed.value;
    if (setError(chunk)) return;
    takeIds(chunk);
    finalUsage = usageOf(chunk) ?? finalUsage;
  }

  function onJson(value: unknown): void {
    if (setError(value)) {
      bodyError = true;
      return;
    }
    if (!isObject(value)) return;
    takeIds(value);
    finalUsage = usageOf(value);
  }

  function finish(_end: BodyEnd): Usage {
    const check = createUsageCheck();
    if (finalUsage !== null) {
      applyChatUsage(out, finalUsage, flavor);
      check.scan(finalUsage);
      out.completeness = "complete";
    } else {
      out.completeness = bodyError || (ctx.status >= 400 && out.responseId === null)
        ? "none"
        : "incomplete";
    }
    return check.mark(out);
  }

  return createResponseDriver(ctx, { onEvent, onJson, finish });
}
