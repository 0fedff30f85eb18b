import assert from "node:assert/strict";
import { providerRequestId } from "./provider_request_id.ts";

Deno.test("providerRequestId reads the documented headers in order", () => {
  const cases: Array<[Record<string, string>, string | null]> = [
    [{ "request-id": "req_011CSHv1" }, "req_011CSHv1"], // Anthropic
    [{ "x-request-id": "req_7b5c2e" }, "req_7b5c2e"], // OpenAI
    [{ "x-amzn-RequestId": "3f1e-aa" }, "3f1e-aa"], // Bedrock
    [{ "request-id": "req_a", "x-request-id": "req_b" }, "req_a"],
    [{ "request-id": "  ", "x-request-id": "req_b" }, "req_b"],
    [{}, null],
    [{ "openai-processing-ms": "120" }, null],
    [{ "x-request-id": "has space" }, null],
    [{ "x-request-id": "é-unicode" }, null],
    [{ "x-request-id": "x".repeat(201) }, null],
    [{ "x-request-id": "x".repeat(200) }, "x".repeat(200)],
  ];
  for (const [headers, expected] of cases) {
    assert.equal(providerRequestId(new Headers(headers)), expected, JSON.stringify(headers));
  }
});
