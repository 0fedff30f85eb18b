import assert from "node:assert/strict";
import { findAdapter } from "./find_adapter.ts";
import type { RequestInfo } from "./types.ts";

const enc = new TextEncoder();
const ctx = { path: "/v1/chat/completions", query: "", headers: new Headers() };

function parse(host: string, path: string, body: string | Uint8Array | null): RequestInfo {
  const bytes = typeof body === "string" ? enc.encode(body) : body;
  return findAdapter(host, path).parseRequest(bytes, ctx);
}

Deno.test("parseRequest: model, stream and include_usage from a chat body", () => {
  const body = JSON.stringify({
    model: "gpt-4o",
    stream: true,
    stream_options: { include_usage: true },
    messages: [],
  });
  assert.deepEqual(parse("api.openai.com", "/v1/chat/completions", body), {
    model: "gpt-4o",
    stream: true,
    includeUsage: true,
  });
});

Deno.test("parseRequest: never throws; malformed or empty bodies give model null", () => {
  for (
    const body of [
      null,
      "",
      "{",
      "null",
      "[]",
      '"x"',
      '{"model": 5, "stream": "yes"}',
      new Uint8Array([0xff, 0xfe, 0x00]),
    ]
  ) {
    const info = parse("api.anthropic.com", "/v1/messages", body);
    assert.equal(info.model, null, String(body));
    assert.equal(info.stream, false);
  }
});

Deno.test("parseRequest: a body cut by the size cap is scanned and marked partial", () => {
  const full = JSON.stringify({
    model: "claude-opus-4-1-20250805",
    max_tokens: 4096,
    stream: true,
    messages: [{ role: "user", content: "x".repeat(10_000) }],
  });
  const info = parse("api.anthropic.com", "/v1/messages", full.slice(0, 2000));
  assert.deepEqual(info, { model: "claude-opus-4-1-20250805", stream: true, partial: true });
});

Deno.test("parseRequest: Azure reports the deployment; the model may be absent", () => {
  const a = findAdapter("r.openai.azure.com", "/openai/deployments/prod%2Dgpt/chat/completions");
  assert.deepEqual(a.parseRequest(enc.encode('{"messages":[]}'), ctx), {
    model: null,
    stream: false,
    includeUsage: false,
    deployment: "prod-gpt",
  });
});
