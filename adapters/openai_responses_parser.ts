import { emptyUsage, type Usage } from "../core/mod.ts";
import { countAt, isObject, type JsonObject, objAt, parseJson, stringAt } from "./_json.ts";
import { providerError } from "./_provider_error.ts";
import { outputWithReasoning } from "./openai_chat_parser.ts";
import { type BodyEnd, createResponseDriver } from "./_response_driver.ts";
import { createUsageCheck } from "./_usage_check.ts";
import type { SseEvent } from "./sse_parser.ts";
import type { ResponseContext, ResponseParser } from "./types.ts";

const TERMINAL = new Set(["response.completed", "response.incomplete", "response.failed"]);

/**
 * Usage of an OpenAI Responses API call (`POST /v1/responses`), plain or
 * streamed. In a stream, usage exists only in the terminal event's
 * `response.usage` (`response.completed|incomplete|failed`); there is no `[DONE]`.
 * `input_tokens` includes cached tokens and `output_tokens` includes reasoning.
 */
export function createResponsesParser(ctx: ResponseContext): ResponseParser {
  const out = emptyUsage();
  let usage: JsonObject | null = null;
  let bodyError = false;

  function readResponse(response: JsonObject | null, final: boolean): void {
    if (response === null) return;
    out.responseId = stringAt(response, "id") ?? out.responseId;
    out.responseModel = stringAt(response, "model") ?? out.responseModel;
    out.serviceTier = stringAt(response, "service_tier") ?? out.serviceTier;
    // Only a terminal response's usage is final.
    if (final) usage = objAt(response, "usage") ?? usage;
    const err = objAt(response, "error");
    if (err !== null) {
      out.errorType = stringAt(err, "code") ?? stringAt(err, "type") ?? "error";
      out.errorMessage = stringAt(err, "message");
    }
    const output = response["output"];
    if (Array.isArray(output)) {
      // Hosted web search is billed per call; each call is one output item.
      const searches = output.filter((item) =>
        isObject(item) && item["type"] === "web_search_call"
      );
      if (searches.length > 0) out.webSearchRequests = searches.length;
    }
  }

  function onEvent(event: SseEvent): void {
    if (event.data === "") return;
    const parsed = parseJson(event.data);
    if (!parsed.ok || !isObject(parsed.value)) return;
    const data = parsed.value;
    const type = stringAt(data, "type") ?? event.type;
    if (type === "error") {
      const err = providerError(data);
      out.errorType = err?.type ?? "error";
      out.errorMessage = err?.message ?? null;
    } else if (type === "response.created" || type === "response.in_progress") {
      readResponse(objAt(data, "response"), false);
    } else if (TERMINAL.has(type)) {
      readResponse(objAt(data, "response"), true);
    }
  }

  function onJson(value: unknown): void {
    if (isObject(value) && value["object"] === "response") return readResponse(value, true);
    const err = providerError(value);
    if (err !== null) {
      bodyError = true;
      out.errorType = err.type;
      out.errorMessage = err.message;
    }
  }

  function finish(_end: BodyEnd): Usage {
    const check = createUsageCheck();
    if (usage !== null) {
      check.scan(usage);
      const input = objAt(usage, "input_tokens_details");
      const output = objAt(usage, "output_tokens_details");
      out.inputTokens = countAt(usage, "input_tokens");
      out.cacheReadTokens = countAt(input, "cached_tokens");
      // OpenAI's own TTLs (30m/12h) have no Usage field; the total goes to the
      // unspecified-TTL bucket.
      out.cacheWrite5mTokens = countAt(input, "cache_write_tokens");
      out.reasoningTokens = countAt(output, "reasoning_tokens");
      out.outputTokens = outputWithReasoning(
        out.inputTokens,
        countAt(usage, "output_tokens"),
        out.reasoningTokens,
        countAt(usage, "total_tokens"),
        false,
      );
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
