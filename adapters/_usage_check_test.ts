import assert from "node:assert/strict";
import { emptyUsage } from "../core/mod.ts";
import { createUsageCheck } from "./_usage_check.ts";
import { findAdapter } from "./find_adapter.ts";

const enc = new TextEncoder();

function usageOf(host: string, path: string, body: string) {
  const p = findAdapter(host, path).createResponseParser({
    status: 200,
    headers: new Headers({ "content-type": "application/json" }),
    request: { model: null, stream: false },
  });
  p.push(enc.encode(body));
  return p.finish();
}

Deno.test("usage check: counts that are not counts, nested or not; null and absent are fine", () => {
  const bad = createUsageCheck();
  bad.scan({ input_tokens: 3, output_tokens_details: { thinking_tokens: -2 } });
  assert.deepEqual(bad.mark({ ...emptyUsage(), completeness: "complete" }), {
    ...emptyUsage(),
    completeness: "incomplete",
    errorType: "usage_invalid",
    errorMessage: "usage.output_tokens_details.thinking_tokens is -2, not a token count",
  });
  const fine = createUsageCheck();
  fine.scan({ input_tokens: 3, cached_tokens: null, service_tier: "standard", cost: "0.1" });
  assert.equal(fine.mark({ ...emptyUsage(), completeness: "complete" }).completeness, "complete");
  // A provider error in the body is the better explanation: it stays.
  const both = createUsageCheck();
  both.scan({ output_tokens: "12" });
  const marked = both.mark({ ...emptyUsage(), errorType: "overloaded_error" });
  assert.equal(marked.errorType, "overloaded_error");
});

Deno.test("usage check: OpenAI chat, Responses and Gemini bodies with a NaN count are not complete", () => {
  const chat = usageOf(
    "api.openai.com",
    "/v1/chat/completions",
    '{"id":"c1","model":"m","usage":{"prompt_tokens":5,"completion_tokens":"NaN"}}',
  );
  assert.equal(chat.completeness, "incomplete");
  assert.equal(chat.errorType, "usage_invalid");
  assert.equal(chat.outputTokens, null);
  assert.equal(chat.inputTokens, 5);
  const responses = usageOf(
    "api.openai.com",
    "/v1/responses",
    '{"object":"response","id":"r1","usage":{"input_tokens":5,"output_tokens":-1}}',
  );
  assert.equal(responses.completeness, "incomplete");
  assert.equal(responses.errorType, "usage_invalid");
  const gemini = usageOf(
    "generativelanguage.googleapis.com",
    "/v1beta/models/gemini-2.5-flash:generateContent",
    '{"candidates":[{"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":4,"candidatesTokenCount":"NaN"}}',
  );
  assert.equal(gemini.completeness, "incomplete");
  assert.equal(gemini.errorType, "usage_invalid");
  assert.match(gemini.errorMessage ?? "", /usageMetadata\.candidatesTokenCount is "NaN"/);
  assert.equal(gemini.outputTokens, null, "not 0: Gemini omits zeros, it does not send NaN");
});
