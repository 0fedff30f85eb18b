import { modelAndStream, readRequestFields } from "./_request_fields.ts";
import { type ChatFlavor, createChatCompletionsParser } from "./openai_chat_parser.ts";
import { createResponsesParser } from "./openai_responses_parser.ts";
import type { Adapter, RequestInfo } from "./types.ts";

/**
 * A chat-completions adapter. `deployment` is Azure's URL deployment name,
 * reported in RequestInfo because the body usually names no model there.
 */
export function createChatAdapter(
  provider: string,
  flavor: ChatFlavor = {},
  deployment: string | null = null,
): Adapter {
  return {
    provider,
    endpoint: "chat_completions",
    parseRequest(body): RequestInfo {
      const fields = readRequestFields(body);
      const info: RequestInfo = {
        ...modelAndStream(fields),
        includeUsage: fields.get("stream_options.include_usage") === true,
      };
      if (deployment !== null) info.deployment = deployment;
      return info;
    },
    createResponseParser: (ctx) => createChatCompletionsParser(ctx, flavor),
  };
}

/** A Responses API adapter (`POST /v1/responses` and compatible paths). */
export function createResponsesAdapter(
  provider: string,
  deployment: string | null = null,
): Adapter {
  return {
    provider,
    endpoint: "responses",
    parseRequest(body): RequestInfo {
      const info: RequestInfo = modelAndStream(readRequestFields(body));
      if (deployment !== null) info.deployment = deployment;
      return info;
    },
    createResponseParser: createResponsesParser,
  };
}
