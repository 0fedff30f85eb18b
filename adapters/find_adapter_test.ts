import assert from "node:assert/strict";
import { findAdapter, normalizeHost, normalizePath } from "./find_adapter.ts";

function kind(host: string, path: string): string {
  const a = findAdapter(host, path);
  return `${a.provider}/${a.endpoint}`;
}

Deno.test("findAdapter: provider endpoints", () => {
  const cases: [string, string, string][] = [
    ["api.anthropic.com", "/v1/messages", "anthropic/messages"],
    ["api.anthropic.com", "/v1/messages/count_tokens", "anthropic/count_tokens"],
    ["api.anthropic.com", "/v1/messages/batches", "anthropic/other"],
    ["api.anthropic.com", "/v1/models", "anthropic/other"],
    ["api.openai.com", "/v1/chat/completions", "openai/chat_completions"],
    ["api.openai.com", "/v1/responses", "openai/responses"],
    ["api.openai.com", "/v1/responses/resp_123", "openai/other"],
    ["api.openai.com", "/v1/embeddings", "openai/other"],
    ["openrouter.ai", "/api/v1/chat/completions", "openrouter/chat_completions"],
    ["api.groq.com", "/openai/v1/chat/completions", "groq/chat_completions"],
    ["api.deepseek.com", "/chat/completions", "deepseek/chat_completions"],
    ["api.deepseek.com", "/v1/chat/completions", "deepseek/chat_completions"],
    ["api.mistral.ai", "/v1/chat/completions", "mistral/chat_completions"],
    ["api.x.ai", "/v1/chat/completions", "x-ai/chat_completions"],
    ["api.x.ai", "/v1/responses", "x-ai/responses"],
    ["api.together.xyz", "/v1/chat/completions", "together/chat_completions"],
    ["api.fireworks.ai", "/inference/v1/chat/completions", "fireworks/chat_completions"],
    [
      "myres.openai.azure.com",
      "/openai/deployments/gpt-4o/chat/completions",
      "azure/chat_completions",
    ],
    ["myres.openai.azure.com", "/openai/v1/chat/completions", "azure/chat_completions"],
    ["myres.openai.azure.com", "/openai/v1/responses", "azure/responses"],
    ["myres.openai.azure.com", "/openai/deployments/gpt-4o/embeddings", "azure/other"],
    [
      "generativelanguage.googleapis.com",
      "/v1beta/models/gemini-2.5-flash:generateContent",
      "google/generate_content",
    ],
    [
      "generativelanguage.googleapis.com",
      "/v1/models/gemini-2.5-flash:streamGenerateContent",
      "google/generate_content",
    ],
    [
      "generativelanguage.googleapis.com",
      "/v1beta/models/gemini-2.5-flash:countTokens",
      "google/count_tokens",
    ],
    [
      "generativelanguage.googleapis.com",
      "/v1beta/models/text-embedding-004:embedContent",
      "google/other",
    ],
    ["generativelanguage.googleapis.com", "/v1beta/models", "google/other"],
    [
      "us-east5-aiplatform.googleapis.com",
      "/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict",
      "anthropic/messages",
    ],
    [
      "aiplatform.googleapis.com",
      "/v1/projects/p/locations/global/publishers/anthropic/models/claude-sonnet-4-5@20250929:streamRawPredict",
      "anthropic/messages",
    ],
    [
      "us-east5-aiplatform.googleapis.com",
      "/v1/projects/p/locations/us-east5/publishers/anthropic/models/count-tokens:rawPredict",
      "anthropic/count_tokens",
    ],
    [
      "us-central1-aiplatform.googleapis.com",
      "/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent",
      "google/generate_content",
    ],
    [
      "us-central1-aiplatform.googleapis.com",
      "/v1/projects/p/locations/us-central1/endpoints/123:predict",
      "google/other",
    ],
    [
      "bedrock-runtime.us-east-1.amazonaws.com",
      "/model/anthropic.claude-3-haiku/invoke",
      "aws/other",
    ],
  ];
  for (const [host, path, expected] of cases) {
    assert.equal(kind(host, path), expected, `${host}${path}`);
  }
});

Deno.test("findAdapter: host is case-insensitive and :443 / trailing dot are ignored", () => {
  assert.equal(kind("API.Anthropic.COM:443", "/v1/messages"), "anthropic/messages");
  assert.equal(kind("api.openai.com.", "/v1/chat/completions"), "openai/chat_completions");
  assert.equal(kind("MyRes.OpenAI.Azure.com:443", "/openai/v1/responses"), "azure/responses");
});

Deno.test("findAdapter: query strings, repeated and trailing slashes are ignored", () => {
  assert.equal(
    kind(
      "generativelanguage.googleapis.com",
      "/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse&key=SECRET",
    ),
    "google/generate_content",
  );
  assert.equal(kind("api.openai.com", "/v1//chat/completions/"), "openai/chat_completions");
  assert.equal(kind("api.anthropic.com", "/v1/messages?beta=true"), "anthropic/messages");
});

Deno.test("findAdapter: unknown hosts are matched by path shape with provider unknown", () => {
  assert.equal(kind("llm.corp.example", "/v1/chat/completions"), "unknown/chat_completions");
  assert.equal(kind("llm.corp.example", "/anthropic/v1/messages"), "unknown/messages");
  assert.equal(kind("llm.corp.example", "/v1/messages/count_tokens"), "unknown/count_tokens");
  assert.equal(kind("llm.corp.example", "/v1/responses"), "unknown/responses");
  assert.equal(
    kind("llm.corp.example", "/v1beta/models/x:generateContent"),
    "unknown/generate_content",
  );
  assert.equal(kind("example.com", "/"), "unknown/other");
  assert.equal(kind("", ""), "unknown/other");
});

Deno.test("findAdapter: the request model comes from the URL for Gemini and Vertex", () => {
  const headers = new Headers();
  const gemini = findAdapter(
    "generativelanguage.googleapis.com",
    "/v1beta/models/gemini-2.5-flash:streamGenerateContent",
  );
  assert.deepEqual(gemini.parseRequest(null, { path: "", query: "alt=sse", headers }), {
    model: "gemini-2.5-flash",
    stream: true,
  });
  const vertex = findAdapter(
    "us-east5-aiplatform.googleapis.com",
    "/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-opus-4-1%4020250805:streamRawPredict",
  );
  const body = new TextEncoder().encode('{"anthropic_version":"vertex-2023-10-16","messages":[]}');
  assert.deepEqual(vertex.parseRequest(body, { path: "", query: "", headers }), {
    model: "claude-opus-4-1@20250805",
    stream: true,
  });
});

Deno.test("normalizeHost / normalizePath", () => {
  assert.equal(normalizeHost(" Api.X.AI:443 "), "api.x.ai");
  assert.equal(normalizeHost("localhost:8443"), "localhost:8443");
  assert.equal(normalizePath("v1/messages"), "/v1/messages");
  assert.equal(normalizePath("/"), "/");
  assert.equal(normalizePath("/a//b/?x=1#f"), "/a/b");
});
