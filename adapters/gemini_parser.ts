import { emptyUsage, type Usage } from "../core/mod.ts";
import { countAt, isObject, type JsonObject, objAt, parseJson, stringAt } from "./_json.ts";
import { providerError } from "./_provider_error.ts";
import { type BodyEnd, createResponseDriver } from "./_response_driver.ts";
import { createUsageCheck } from "./_usage_check.ts";
import type { SseEvent } from "./sse_parser.ts";
import type { ResponseContext, ResponseParser } from "./types.ts";

function hasCounts(u: JsonObject): boolean {
  return countAt(u, "promptTokenCount") !== null || countAt(u, "candidatesTokenCount") !== null;
}

/**
 * Usage of a Gemini `generateContent` / `streamGenerateContent` response
 * (Gemini API and Vertex AI). Bodies: one JSON object; an SSE stream
 * (`alt=sse`) whose every `data:` is a full response; or, without `alt=sse`,
 * one JSON array sent piecewise. Usage is the last `usageMetadata` with counts.
 *
 * `promptTokenCount` includes `cachedContentTokenCount`; tool-use prompt
 * tokens are input too; `thoughtsTokenCount` is billed as output. Zero counts
 * are omitted on the wire (proto3 JSON), so a missing candidates count next to
 * a prompt count is 0, not unknown.
 */
export function createGeminiParser(ctx: ResponseContext): ResponseParser {
  const out = emptyUsage();
  let usage: JsonObject | null = null;
  let sawFinish = false;
  let errorOnly = false;
  const check = createUsageCheck();

  function onChunk(value: unknown): void {
    if (Array.isArray(value)) {
      for (const item of value) onChunk(item);
      return;
    }
    const err = providerError(value);
    if (err !== null) {
      out.errorType = err.type;
      out.errorMessage = err.message;
      errorOnly = usage === null;
      return;
    }
    if (!isObject(value)) return;
    out.responseId ??= stringAt(value, "responseId");
    out.responseModel = stringAt(value, "modelVersion") ?? out.responseModel;
    const meta = objAt(value, "usageMetadata");
    check.scan(meta, "usageMetadata");
    if (meta !== null && hasCounts(meta)) usage = meta;
    const candidates = value["candidates"];
    if (Array.isArray(candidates)) {
      sawFinish ||= candidates.some((c) => stringAt(c, "finishReason") !== null);
    }
    // A prompt blocked by safety has no candidates and still ends the call.
    sawFinish ||= stringAt(objAt(value, "promptFeedback"), "blockReason") !== null;
  }

  function onEvent(event: SseEvent): void {
    if (event.data === "") return;
    const parsed = parseJson(event.data);
    if (parsed.ok) onChunk(parsed.value);
  }

  function finish(end: BodyEnd): Usage {
    if (usage !== null) {
      const prompt = countAt(usage, "promptTokenCount");
      const candidates = countAt(usage, "candidatesTokenCount");
      const thoughts = countAt(usage, "thoughtsTokenCount");
      out.inputTokens = prompt === null
        ? null
        : prompt + (countAt(usage, "toolUsePromptTokenCount") ?? 0);
      // Absent means 0 on this wire; present but not a count means unknown.
      out.outputTokens = check.isInvalid(usage, "candidatesTokenCount") ||
          check.isInvalid(usage, "thoughtsTokenCount")
        ? null
        : (candidates ?? 0) + (thoughts ?? 0);
      out.reasoningTokens = thoughts;
      out.cacheReadTokens = countAt(usage, "cachedContentTokenCount");
      // A plain body is final by construction; a stream must reach a finish reason.
      out.completeness = end.mode === "json" || sawFinish ? "complete" : "incomplete";
    } else {
      out.completeness = errorOnly || ctx.status >= 400 ? "none" : "incomplete";
    }
    return check.mark(out);
  }

  return createResponseDriver(ctx, { onEvent, onJson: onChunk, finish }, {
    jsonArrayElements: true,
  });
}
