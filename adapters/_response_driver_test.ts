import assert from "node:assert/strict";
import { emptyUsage } from "../core/mod.ts";
import { createResponseDriver, MAX_BODY_BYTES } from "./_response_driver.ts";
import { findAdapter } from "./find_adapter.ts";
import type { ResponseParser } from "./types.ts";

const enc = new TextEncoder();

function parser(
  host: string,
  path: string,
  status: number,
  contentType: string | null,
): ResponseParser {
  const headers = new Headers(contentType === null ? {} : { "content-type": contentType });
  return findAdapter(host, path).createResponseParser({
    status,
    headers,
    request: { model: null, stream: false },
  });
}

Deno.test("driver: a JSON body over the cap is not buffered and is marked incomplete", () => {
  const p = parser("api.openai.com", "/v1/chat/completions", 200, "application/json");
  const chunk = enc.encode(" ".repeat(64 * 1024));
  p.push(enc.encode('{"id":"x","usage":{"prompt_tokens":1,"completion_tokens":1}, "pad":"'));
  for (let sent = 0; sent <= MAX_BODY_BYTES; sent += chunk.length) p.push(chunk);
  p.push(enc.encode('"}'));
  const u = p.finish();
  assert.equal(u.completeness, "incomplete");
  assert.equal(u.errorType, "parse_error");
  assert.match(u.errorMessage ?? "", /exceeds 8388608 bytes/);
});

Deno.test("driver: invalid JSON on a 2xx is a parse_error; on an error status the status is the error", () => {
  const ok = parser("api.anthropic.com", "/v1/messages", 200, "application/json");
  ok.push(enc.encode('{"id":"msg_1","usage":{"input_tokens":'));
  assert.deepEqual(
    { ...ok.finish(), errorMessage: null },
    { ...emptyUsage(), errorType: "parse_error", completeness: "incomplete" },
  );
  const bad = parser("api.anthropic.com", "/v1/messages", 502, "text/html");
  bad.push(enc.encode("<html><body>502 Bad Gateway</body></html>"));
  assert.deepEqual(bad.finish(), {
    ...emptyUsage(),
    errorType: "http_502",
    errorMessage: "HTTP 502 and the body (text/html) carries no provider error",
  });
  const empty = parser("api.openai.com", "/v1/chat/completions", 503, null);
  assert.equal(empty.finish().errorType, "http_503");
});

Deno.test("driver: an empty 200 body is incomplete without an error", () => {
  const p = parser("api.openai.com", "/v1/responses", 200, "application/json");
  assert.deepEqual(p.finish(), { ...emptyUsage(), completeness: "incomplete" });
});

Deno.test("driver: without a content type the body kind is sniffed", () => {
  const sse = parser("api.openai.com", "/v1/chat/completions", 200, null);
  sse.push(
    enc.encode(
      '\n\ndata: {"id":"c1","model":"m","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4}}\n\ndata: [DONE]\n\n',
    ),
  );
  const u1 = sse.finish();
  assert.equal(u1.inputTokens, 3);
  assert.equal(u1.completeness, "complete");
  const json = parser("api.openai.com", "/v1/chat/completions", 200, "text/plain");
  json.push(enc.encode('  {"id":"c2","usage":{"prompt_tokens":5,"completion_tokens":6}}'));
  assert.equal(json.finish().outputTokens, 6);
});

Deno.test("driver: finish is idempotent and later pushes are ignored", () => {
  const p = parser("api.openai.com", "/v1/chat/completions", 200, "application/json");
  p.push(enc.encode('{"id":"c","usage":{"prompt_tokens":1,"completion_tokens":2}}'));
  const first = p.finish();
  p.push(enc.encode("garbage"));
  assert.equal(p.finish(), first);
  assert.equal(first.outputTokens, 2);
});

Deno.test("driver: a throwing handler is contained and reported as parse_error", () => {
  const ctx = {
    status: 200,
    headers: new Headers({ "content-type": "text/event-stream" }),
    request: { model: null, stream: true },
  };
  const throwingEvent = createResponseDriver(ctx, {
    onEvent() {
      throw new Error("boom");
    },
    onJson() {},
    finish: () => ({ ...emptyUsage(), inputTokens: 1, completeness: "complete" }),
  });
  throwingEvent.push(enc.encode("data: 1\n\n"));
  throwingEvent.push(enc.encode("data: 2\n\n"));
  const u = throwingEvent.finish();
  assert.equal(u.errorType, "parse_error");
  assert.match(u.errorMessage ?? "", /boom/);
  assert.equal(u.completeness, "incomplete");
  assert.equal(u.inputTokens, 1);

  const throwingFinish = createResponseDriver(ctx, {
    onEvent() {},
    onJson() {},
    finish() {
      throw new TypeError("bad state");
    },
  });
  const v = throwingFinish.finish();
  assert.equal(v.errorType, "parse_error");
  assert.equal(v.completeness, "incomplete");
});

Deno.test("driver: long streams are processed incrementally", () => {
  const p = parser("api.anthropic.com", "/v1/messages", 200, "text/event-stream");
  p.push(
    enc.encode(
      'event: message_start\ndata: {"type":"message_start","message":{"id":"m","model":"c","usage":{"input_tokens":5,"output_tokens":1}}}\n\n',
    ),
  );
  const delta = enc.encode(
    'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"' +
      "y".repeat(200) + '"}}\n\n',
  );
  for (let i = 0; i < 20_000; i++) p.push(delta); // ~5 MB of events
  p.push(
    enc.encode(
      'event: message_delta\ndata: {"type":"message_delta","delta":{},"usage":{"output_tokens":40000}}\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n',
    ),
  );
  const u = p.finish();
  assert.equal(u.outputTokens, 40000);
  assert.equal(u.completeness, "complete");
});
