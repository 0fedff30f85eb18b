import assert from "node:assert/strict";
import { splitBytewise, splitRandom } from "./_golden.ts";
import { createSseParser, type SseEvent, type SseParserOptions } from "./sse_parser.ts";

function parse(chunks: (string | Uint8Array)[], options?: SseParserOptions): SseEvent[] {
  const events: SseEvent[] = [];
  const p = createSseParser((e) => events.push(e), options);
  for (const c of chunks) {
    if (typeof c === "string") p.pushText(c);
    else p.push(c);
  }
  p.finish();
  return events;
}

const enc = new TextEncoder();

function ev(type: string, data: string, lastEventId = ""): SseEvent {
  return { type, data, lastEventId, oversized: false };
}

Deno.test("sse: event and data fields, default type message", () => {
  assert.deepEqual(parse(["event: ping\ndata: {}\n\ndata: x\n\n"]), [
    ev("ping", "{}"),
    ev("message", "x"),
  ]);
});

Deno.test("sse: multi-line data joins with LF; a single leading space is removed", () => {
  assert.deepEqual(parse(["data:a\ndata:  b\ndata\ndata: c\n\n"]), [ev("message", "a\n b\n\nc")]);
});

Deno.test("sse: comments and unknown fields are ignored; retry does not dispatch", () => {
  assert.deepEqual(parse([": OPENROUTER PROCESSING\n\nretry: 3000\nfoo: bar\n\ndata: 1\n\n"]), [
    ev("message", "1"),
  ]);
});

Deno.test("sse: an event with only an event: field is not dispatched and its type resets", () => {
  assert.deepEqual(parse(["event: a\n\ndata: 1\n\n"]), [ev("message", "1")]);
});

Deno.test("sse: CRLF, CR and LF line endings, mixed", () => {
  const text = "event: a\r\ndata: 1\r\n\r\nevent: b\rdata: 2\r\rdata: 3\n\n";
  const expected = [ev("a", "1"), ev("b", "2"), ev("message", "3")];
  assert.deepEqual(parse([text]), expected);
  assert.deepEqual(parse(splitBytewise(enc.encode(text))), expected);
});

Deno.test("sse: a CRLF split across chunks counts as one line ending", () => {
  assert.deepEqual(parse(["data: 1\r", "\n\r", "\ndata: 2\r\n\r\n"]), [
    ev("message", "1"),
    ev("message", "2"),
  ]);
});

Deno.test("sse: one leading BOM is stripped, a second is not", () => {
  assert.deepEqual(parse([enc.encode("\uFEFFdata: 1\n\n")]), [ev("message", "1")]);
  assert.deepEqual(parse(["\uFEFF", "data: 1\n\n"]), [ev("message", "1")]);
  // A second BOM makes the field name "\uFEFFdata", which is unknown.
  assert.deepEqual(parse(["\uFEFF\uFEFFdata: 1\n\ndata: 2\n\n"]), [ev("message", "2")]);
});

Deno.test("sse: multibyte UTF-8 split inside a character", () => {
  const text = "data: café ☕ 日本 🙂\n\n";
  const bytes = enc.encode(text);
  for (const chunks of [splitBytewise(bytes), splitRandom(bytes, 7), splitRandom(bytes, 8)]) {
    assert.deepEqual(parse(chunks), [ev("message", "café ☕ 日本 🙂")]);
  }
});

Deno.test("sse: id field sets lastEventId unless it contains NUL", () => {
  assert.deepEqual(parse(["id: 7\ndata: a\n\nid: x\0y\ndata: b\n\n"]), [
    ev("message", "a", "7"),
    ev("message", "b", "7"),
  ]);
});

Deno.test("sse: by default a pending event at end of stream is discarded (WHATWG)", () => {
  assert.deepEqual(parse(["data: 1\n\ndata: 2\n"]), [ev("message", "1")]);
  assert.deepEqual(parse(["data: 1\n\ndata: 2"]), [ev("message", "1")]);
});

Deno.test("sse: dispatchAtEnd keeps a pending event and an unterminated last line", () => {
  const o = { dispatchAtEnd: true };
  assert.deepEqual(parse(["data: 1\n\ndata: 2\n"], o), [ev("message", "1"), ev("message", "2")]);
  assert.deepEqual(parse(["data: 1\n\ndata: 2"], o), [ev("message", "1"), ev("message", "2")]);
  assert.deepEqual(parse(["data: 1\n\n"], o), [ev("message", "1")]);
});

Deno.test("sse: an over-long line is dropped and the event flagged oversized", () => {
  const long = "x".repeat(100);
  const events = parse([`data: ${long}\ndata: ok\n\ndata: next\n\n`], { maxLineLength: 50 });
  assert.deepEqual(events, [
    { type: "message", data: "ok", lastEventId: "", oversized: true },
    ev("message", "next"),
  ]);
  // Same when the long line arrives byte by byte (the buffer never exceeds the cap).
  const bytewise = parse(splitBytewise(enc.encode(`data: ${long}\n\ndata: next\n\n`)), {
    maxLineLength: 50,
  });
  assert.deepEqual(bytewise, [
    { type: "message", data: "", lastEventId: "", oversized: true },
    ev("message", "next"),
  ]);
});

Deno.test("sse: joined data over the cap is flagged oversized", () => {
  const events = parse(["data: 0123456789\ndata: 0123456789\n\n"], { maxLineLength: 15 });
  assert.deepEqual(events, [{
    type: "message",
    data: "0123456789",
    lastEventId: "",
    oversized: true,
  }]);
});

Deno.test("sse: pushes after finish are ignored", () => {
  const events: SseEvent[] = [];
  const p = createSseParser((e) => events.push(e));
  p.pushText("data: 1\n\n");
  p.finish();
  p.pushText("data: 2\n\n");
  p.finish();
  assert.deepEqual(events, [ev("message", "1")]);
});
