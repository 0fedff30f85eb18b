import { modelAndStream, readRequestFields } from "./_request_fields.ts";
import { createAnthropicMessagesParser } from "./anthropic_messages_parser.ts";
import { createOtherAdapter } from "./other_adapter.ts";
import type { Adapter, RequestInfo } from "./types.ts";

export const ANTHROPIC_HOST = "api.anthropic.com";

/**
 * The Messages adapter. `urlModel` is the model named by the URL (Vertex AI),
 * which wins over the body; `urlStream` marks a streaming URL (`streamRawPredict`).
 */
export function createAnthropicMessagesAdapter(
  provider: string,
  urlModel: string | null = null,
  urlStream = false,
): Adapter {
  return {
    provider,
    endpoint: "messages",
    parseRequest(body): RequestInfo {
      const info = modelAndStream(readRequestFields(body));
      if (urlModel !== null) info.model = urlModel;
      if (urlStream) info.stream = true;
      return info;
    },
    createResponseParser: createAnthropicMessagesParser,
  };
}

/**
 * Matches `api.anthropic.com`: `POST /v1/messages` (plain and streamed) and
 * `/v1/messages/count_tokens` (not billed). Any other path is `other`.
 * `host` and `path` arrive normalised (lower-case host, no port, no query).
 */
export function match(host: string, path: string): Adapter | null {
  if (host !== ANTHROPIC_HOST) return null;
  if (path === "/v1/messages") return createAnthropicMessagesAdapter("anthropic");
  if (path === "/v1/messages/count_tokens") return createOtherAdapter("anthropic", "count_tokens");
  return createOtherAdapter("anthropic");
}
