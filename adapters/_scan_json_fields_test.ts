import assert from "node:assert/strict";
import { scanJsonFields } from "./_scan_json_fields.ts";

Deno.test("scanJsonFields: top-level and second-level primitives, arrays skipped", () => {
  const text = JSON.stringify({
    model: "gpt-4o",
    messages: [{ role: "user", content: 'tricky "model": "nope" {[' }],
    stream: true,
    stream_options: { include_usage: true, deep: { x: 1 } },
    temperature: 0.5,
    n: null,
  });
  const f = scanJsonFields(text);
  assert.equal(f.get("model"), "gpt-4o");
  assert.equal(f.get("stream"), true);
  assert.equal(f.get("stream_options.include_usage"), true);
  assert.equal(f.get("stream_options.deep.x"), undefined);
  assert.equal(f.get("temperature"), 0.5);
  assert.equal(f.get("n"), null);
  assert.equal(f.get("messages"), undefined);
});

Deno.test("scanJsonFields: a body cut anywhere keeps what preceded the cut", () => {
  const full =
    '{"model":"claude-sonnet-4-5","stream":true,"max_tokens":1024,"messages":[{"role":"user","content":"long"}]}';
  for (let cut = 0; cut <= full.length; cut++) {
    const f = scanJsonFields(full.slice(0, cut));
    if (cut >= '{"model":"claude-sonnet-4-5"'.length) {
      assert.equal(f.get("model"), "claude-sonnet-4-5");
    } else assert.equal(f.get("model"), undefined, `cut ${cut}`);
    // `true` is only taken once a delimiter proves it was not cut short.
    if (cut > '{"model":"claude-sonnet-4-5","stream":true'.length) {
      assert.equal(f.get("stream"), true);
    } else assert.equal(f.get("stream"), undefined, `cut ${cut}`);
  }
});

Deno.test("scanJsonFields: escapes in strings and non-JSON input", () => {
  assert.equal(scanJsonFields('{"model":"a\\"b\\u00e9","x":[').get("model"), 'a"bé');
  assert.equal(scanJsonFields("not json").size, 0);
  assert.equal(scanJsonFields("[1,2]").size, 0);
  assert.equal(scanJsonFields("").size, 0);
  assert.equal(scanJsonFields('{"model" "x"}').size, 0);
});
