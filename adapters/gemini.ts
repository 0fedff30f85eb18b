import { decodePathPart } from "./_url.ts";
import { readRequestFields } from "./_request_fields.ts";
import { createGeminiParser } from "./gemini_parser.ts";
import { createOtherAdapter } from "./other_adapter.ts";
import type { Adapter, RequestInfo } from "./types.ts";

export const GEMINI_HOST = "generativelanguage.googleapis.com";

/**
 * The adapter for a Gemini model method (`{model}:{method}`), shared by the
 * Gemini API and Vertex AI. The model and the stream flag come from the URL.
 */
export function createGeminiMethodAdapter(
  provider: string,
  rawModel: string,
  method: string,
): Adapter {
  const model = decodePathPart(rawModel);
  if (method === "countTokens") return createOtherAdapter(provider, "count_tokens");
  if (method !== "generateContent" && method !== "streamGenerateContent") {
    return createOtherAdapter(provider);
  }
  const stream = method === "streamGenerateContent";
  return {
    provider,
    endpoint: "generate_content",
    parseRequest(body): RequestInfo {
      const partial = readRequestFields(body).partial;
      return { model, stream, ...(partial ? { partial: true } : {}) };
    },
    createResponseParser: createGeminiParser,
  };
}

const MODEL_PATH = /^\/v1(?:alpha|beta)?\/(?:models|tunedModels)\/([^/:]+):([A-Za-z]+)$/;

/**
 * Matches `generativelanguage.googleapis.com`:
 * `/v1beta/models/{model}:generateContent|streamGenerateContent|countTokens`.
 */
export function match(host: string, path: string): Adapter | null {
  if (host !== GEMINI_HOST) return null;
  const m = MODEL_PATH.exec(path);
  if (m === null) return createOtherAdapter("google");
  return createGeminiMethodAdapter("google", m[1], m[2]);
}
