import { decodePathPart } from "./_url.ts";
import { createChatAdapter, createResponsesAdapter } from "./openai_adapters.ts";
import { createOtherAdapter } from "./other_adapter.ts";
import type { Adapter } from "./types.ts";

const AZURE_SUFFIXES = [".openai.azure.com", ".cognitiveservices.azure.com"];
const DEPLOYMENT_PATH = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|responses)$/;

/**
 * Matches Azure OpenAI (`{resource}.openai.azure.com`):
 * `/openai/deployments/{deployment}/chat/completions?api-version=...`, the v1
 * paths `/openai/v1/chat/completions` and `/openai/v1/responses`, and
 * `/openai/responses`. The deployment picks the model, so the model to price is
 * the response's `model` (`Usage.responseModel`); the deployment name is in
 * `RequestInfo.deployment`.
 */
export function match(host: string, path: string): Adapter | null {
  if (!AZURE_SUFFIXES.some((s) => host.endsWith(s))) return null;
  const m = DEPLOYMENT_PATH.exec(path);
  if (m !== null) {
    const deployment = decodePathPart(m[1]);
    return m[2] === "responses"
      ? createResponsesAdapter("azure", deployment)
      : createChatAdapter("azure", {}, deployment);
  }
  if (path === "/openai/v1/chat/completions") return createChatAdapter("azure");
  if (path === "/openai/v1/responses" || path === "/openai/responses") {
    return createResponsesAdapter("azure");
  }
  return createOtherAdapter("azure");
}
