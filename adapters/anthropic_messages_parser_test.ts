import assert from "node:assert/strict";
import type { Usage } from "../core/mod.ts";
import { createAnthropicMessagesParser } from "./anthropic_messages_parser.ts";

function run(events: [string, unknown][]): Usage {
  const p = createAnthropicMessagesParser({
    status: 200,
    headers: new Headers({ "content-type": "text/event-stream" }),
    request: { model: null, stream: true },
  });
  for (const [name, data] of events) {
    p.push(new TextEncoder().encode(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`));
  }
  return p.finish();
}

const start = (usage: unknown) =>
  ["message_start", {
    type: "message_start",
    message: { id: "msg_1", model: "claude-x", usage },
  }] as [string, unknown];
const delta = (usage: unknown) =>
  ["message_delta", { type: "message_delta", delta: {}, usage }] as [string, unknown];
const stop: [string, unknown] = ["message_stop", { type: "message_stop" }];

Deno.test("anthropic: message_delta input/cache counts supersede message_start", () => {
  const u = run([
    start({
      input_tokens: 10,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
      output_tokens: 1,
    }),
    delta({
      input_tokens: 12,
      cache_read_input_tokens: 100,
      cache_creation_input_tokens: 0,
      output_tokens: 50,
    }),
    stop,
  ]);
  assert.equal(u.inputTokens, 112);
  assert.equal(u.cacheReadTokens, 100);
  assert.equal(u.outputTokens, 50);
  assert.equal(u.completeness, "complete");
});

Deno.test("anthropic: a later cache-write total without a split keeps the 1h part", () => {
  const u = run([
    start({
      input_tokens: 1,
      cache_creation_input_tokens: 300,
      cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 200 },
      output_tokens: 1,
    }),
    delta({ cache_creation_input_tokens: 500, output_tokens: 9 }),
    stop,
  ]);
  assert.equal(u.cacheWrite5mTokens, 300);
  assert.equal(u.cacheWrite1hTokens, 200);
  assert.equal(u.inputTokens, 501);
});

Deno.test("anthropic: message_delta without message_stop is incomplete; cumulative usage is not summed", () => {
  const u = run([
    start({ input_tokens: 5, output_tokens: 1 }),
    delta({ output_tokens: 10, server_tool_use: { web_search_requests: 1 } }),
    delta({ output_tokens: 30, server_tool_use: { web_search_requests: 2 } }),
  ]);
  assert.equal(u.outputTokens, 30);
  assert.equal(u.webSearchRequests, 2);
  assert.equal(u.completeness, "incomplete");
});

Deno.test("anthropic: an error before message_start leaves counts null", () => {
  const u = run([["error", {
    type: "error",
    error: { type: "api_error", message: "Internal server error" },
  }]]);
  assert.equal(u.inputTokens, null);
  assert.equal(u.errorType, "api_error");
  assert.equal(u.errorMessage, "Internal server error");
  assert.equal(u.completeness, "incomplete");
});
