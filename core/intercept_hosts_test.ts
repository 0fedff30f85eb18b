import assert from "node:assert/strict";
import { createHostMatcher } from "./intercept_hosts.ts";

Deno.test("host matcher: default providers, wildcards and extras", () => {
  const m = createHostMatcher(["llm.internal.example"]);
  for (
    const yes of [
      "api.anthropic.com",
      "API.OpenAI.com",
      "api.openai.com.",
      "myres.openai.azure.com",
      "bedrock-runtime.us-east-1.amazonaws.com",
      "us-central1-aiplatform.googleapis.com",
      "llm.internal.example",
    ]
  ) assert.equal(m(yes), true, yes);
  for (
    const no of [
      "example.com",
      "anthropic.com",
      "api.anthropic.com.evil.com",
      "a.b.openai.azure.com",
      "openai.azure.com",
      "bedrock-runtime.amazonaws.com",
      "aiplatform.googleapis.com",
      "",
    ]
  ) assert.equal(m(no), false, no);
});
