import type { ChatFlavor } from "./openai_chat_parser.ts";
import { createChatAdapter, createResponsesAdapter } from "./openai_adapters.ts";
import { createOtherAdapter } from "./other_adapter.ts";
import type { Adapter } from "./types.ts";

/** One provider speaking the OpenAI wire shapes on its own host and paths. */
export interface CompatibleFamily {
  /** Provider id (genai-prices id where one exists). */
  provider: string;
  host: string;
  chatPaths: readonly string[];
  responsesPaths?: readonly string[];
  flavor?: ChatFlavor;
}

/** Builds `match(host, path)` for one family; unknown paths on its host are `other`. */
export function createCompatibleMatcher(
  family: CompatibleFamily,
): (host: string, path: string) => Adapter | null {
  return (host, path) => {
    if (host !== family.host) return null;
    if (family.chatPaths.includes(path)) return createChatAdapter(family.provider, family.flavor);
    if (family.responsesPaths?.includes(path)) return createResponsesAdapter(family.provider);
    return createOtherAdapter(family.provider);
  };
}

/** The OpenAI-compatible providers metered by default (PROVIDERS.md). */
export const COMPATIBLE_FAMILIES: readonly CompatibleFamily[] = [
  {
    provider: "openai",
    host: "api.openai.com",
    chatPaths: ["/v1/chat/completions"],
    responsesPaths: ["/v1/responses"],
  },
  {
    // `usage.cost` is in OpenRouter credits, which are US dollars.
    provider: "openrouter",
    host: "openrouter.ai",
    chatPaths: ["/api/v1/chat/completions"],
    responsesPaths: ["/api/v1/responses"],
    flavor: { costIsUsd: true },
  },
  {
    // Stream usage arrives in the last chunk's `x_groq.usage` (read for every family).
    provider: "groq",
    host: "api.groq.com",
    chatPaths: ["/openai/v1/chat/completions"],
    responsesPaths: ["/openai/v1/responses"],
  },
  // DeepSeek serves both the bare and the /v1 path.
  {
    provider: "deepseek",
    host: "api.deepseek.com",
    chatPaths: ["/chat/completions", "/v1/chat/completions"],
  },
  { provider: "mistral", host: "api.mistral.ai", chatPaths: ["/v1/chat/completions"] },
  {
    // xAI counts reasoning outside completion_tokens (in total_tokens only).
    provider: "x-ai",
    host: "api.x.ai",
    chatPaths: ["/v1/chat/completions"],
    responsesPaths: ["/v1/responses"],
    flavor: { reasoningOutsideCompletion: true },
  },
  { provider: "together", host: "api.together.xyz", chatPaths: ["/v1/chat/completions"] },
  {
    provider: "fireworks",
    host: "api.fireworks.ai",
    chatPaths: ["/inference/v1/chat/completions"],
  },
];

/** Matches any of the compatible families (OpenAI itself included). */
export function match(host: string, path: string): Adapter | null {
  for (const family of COMPATIBLE_FAMILIES) {
    const adapter = createCompatibleMatcher(family)(host, path);
    if (adapter !== null) return adapter;
  }
  return null;
}
