import { decodePathPart } from "./_url.ts";
import { createAnthropicMessagesAdapter } from "./anthropic.ts";
import { createGeminiMethodAdapter } from "./gemini.ts";
import { createOtherAdapter } from "./other_adapter.ts";
import type { Adapter } from "./types.ts";

const PUBLISHER_PATH =
  /^\/v1(?:beta1)?\/projects\/[^/]+\/locations\/[^/]+\/publishers\/([^/]+)\/models\/([^/:]+):([A-Za-z]+)$/;

/**
 * Matches Vertex AI (`{region}-aiplatform.googleapis.com` and the global
 * `aiplatform.googleapis.com`). Anthropic models
 * (`publishers/anthropic/models/{model}:rawPredict|streamRawPredict`) use the
 * Anthropic Messages parser with the model from the URL; `count-tokens:rawPredict`
 * is Anthropic's token counting. Google models use the Gemini parser.
 * Provider ids name the model vendor, since that is what prices the call.
 */
export function match(host: string, path: string): Adapter | null {
  if (host !== "aiplatform.googleapis.com" && !host.endsWith("-aiplatform.googleapis.com")) {
    return null;
  }
  const m = PUBLISHER_PATH.exec(path);
  if (m === null) return createOtherAdapter("google");
  const [, publisher, rawModel, method] = m;
  if (publisher === "anthropic") {
    const model = decodePathPart(rawModel);
    if (model === "count-tokens") return createOtherAdapter("anthropic", "count_tokens");
    if (method === "rawPredict") return createAnthropicMessagesAdapter("anthropic", model);
    if (method === "streamRawPredict") {
      return createAnthropicMessagesAdapter("anthropic", model, true);
    }
    return createOtherAdapter("anthropic");
  }
  if (publisher === "google") return createGeminiMethodAdapter("google", rawModel, method);
  return createOtherAdapter(decodePathPart(publisher));
}
