import assert from "node:assert/strict";
import { errorType, operationName, providerName, spanIdFor, traceIdFor } from "./call_span.ts";

Deno.test("ids: the trace id is the call's UUID, the span id a hash of it; both stable", () => {
  const id = "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
  assert.equal(traceIdFor(id), "0199a1b2c3d47e5f8a9b0c1d2e3f4a5b");
  assert.equal(spanIdFor(id), spanIdFor(id));
  assert.match(spanIdFor(id), /^[0-9a-f]{16}$/);
  assert.notEqual(spanIdFor(id), spanIdFor(`${id}x`));
  assert.match(traceIdFor("not-a-uuid"), /^[0-9a-f]{32}$/);
});

Deno.test("GenAI names: operation, provider, error.type", () => {
  assert.equal(operationName("messages"), "chat");
  assert.equal(operationName("generate_content"), "generate_content");
  assert.equal(operationName("count_tokens"), "count_tokens");
  assert.equal(providerName("google", "generativelanguage.googleapis.com"), "gcp.gemini");
  assert.equal(providerName("google", "us-central1-aiplatform.googleapis.com"), "gcp.vertex_ai");
  assert.equal(providerName("mistral", "api.mistral.ai"), "mistral_ai");
  assert.equal(providerName("openrouter", "openrouter.ai"), "openrouter");
  assert.equal(errorType({ error_type: null, status: 200 }), null);
  assert.equal(errorType({ error_type: null, status: 502 }), "502");
  assert.equal(errorType({ error_type: "overloaded_error", status: 529 }), "overloaded_error");
});
