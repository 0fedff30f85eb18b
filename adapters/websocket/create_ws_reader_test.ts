import assert from "node:assert/strict";
import { splitBytewise, splitRandom } from "../_golden.ts";
import { closePayload, encodeWsFrame } from "./encode_ws_frame.ts";
import { createWsReader, type WsEvent, type WsReaderOptions } from "./create_ws_reader.ts";
import { deflateMessages } from "./_test_deflate.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const MASK = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);

function cat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function read(bytes: Uint8Array, chunks: Uint8Array[], opts: WsReaderOptions) {
  const r = createWsReader(opts);
  const events: WsEvent[] = [];
  for (const c of chunks) events.push(...r.push(c));
  assert.equal(chunks.reduce((n, c) => n + c.length, 0), bytes.length);
  return { r, events };
}

/** The same events whatever the cut points. */
function readEverySplit(bytes: Uint8Array, opts: WsReaderOptions): WsEvent[] {
  const whole = read(bytes, [bytes], opts).events;
  assert.deepEqual(read(bytes, splitBytewise(bytes), opts).events, whole, "bytewise");
  for (const seed of [1, 2, 3]) {
    assert.deepEqual(read(bytes, splitRandom(bytes, seed), opts).events, whole, `seed ${seed}`);
  }
  return whole;
}

const text = (e: WsEvent) => e.type === "message" && e.data ? dec.decode(e.data) : null;

Deno.test("ws reader: masked client frames, fragments with a ping between, every length form", () => {
  const long = "x".repeat(300);
  const huge = "y".repeat(70_000);
  const bytes = cat([
    encodeWsFrame({ opcode: 1, payload: enc.encode('{"type":"response.create"}'), mask: MASK }),
    encodeWsFrame({ opcode: 1, payload: enc.encode("frag-"), fin: false, mask: MASK }),
    encodeWsFrame({ opcode: 9, payload: enc.encode("hb"), mask: MASK }),
    encodeWsFrame({ opcode: 0, payload: enc.encode(long), fin: false, mask: MASK }),
    encodeWsFrame({ opcode: 0, payload: enc.encode("-end"), mask: MASK }),
    encodeWsFrame({ opcode: 2, payload: enc.encode(huge), mask: MASK }),
    encodeWsFrame({ opcode: 1, payload: new Uint8Array(0), mask: MASK }),
    encodeWsFrame({ opcode: 8, payload: closePayload(1000, "bye"), mask: MASK }),
  ]);
  const events = readEverySplit(bytes, { deflate: false });
  assert.deepEqual(events.map((e) => e.type), [
    "message",
    "ping",
    "message",
    "message",
    "message",
    "close",
  ]);
  assert.equal(text(events[0]), '{"type":"response.create"}');
  assert.equal(text(events[2]), `frag-${long}-end`);
  assert.equal(text(events[3]), huge);
  assert.equal(events[3].type === "message" && events[3].opcode, 2);
  assert.equal(text(events[4]), "");
  assert.deepEqual(events[5], {
    type: "close",
    code: 1000,
    reason: "bye",
    start: events[5].type === "close" ? events[5].start : -1,
    end: bytes.length,
  });
});

Deno.test("ws reader: safe offset never falls inside an open message; boundary for inserts", () => {
  const a = encodeWsFrame({ opcode: 1, payload: enc.encode("one"), fin: false });
  const ping = encodeWsFrame({ opcode: 9, payload: new Uint8Array(0) });
  const b = encodeWsFrame({ opcode: 0, payload: enc.encode("two") });
  const r = createWsReader({ deflate: false });
  r.push(a);
  assert.equal(r.safeOffset(), 0);
  assert.equal(r.atBoundary(), false);
  r.push(ping);
  assert.equal(r.safeOffset(), 0, "a ping inside a message does not make it safe");
  const ev = r.push(b.subarray(0, 3));
  assert.deepEqual(ev, []);
  const done = r.push(b.subarray(3));
  assert.equal(text(done[0]), "onetwo");
  assert.equal(done[0].type === "message" && done[0].start, 0);
  assert.equal(r.safeOffset(), a.length + ping.length + b.length);
  assert.equal(r.atBoundary(), true);
  r.push(ping.subarray(0, 1));
  assert.equal(r.atBoundary(), false, "half a frame header");
});

Deno.test("ws reader: permessage-deflate with context takeover, fragmented compressed messages", async () => {
  const texts = [
    '{"type":"response.created","response":{"id":"resp_1"}}',
    '{"type":"response.output_text.delta","delta":"hello"}'.repeat(40),
    '{"type":"response.completed","response":{"id":"resp_1","usage":{"input_tokens":3}}}',
  ];
  const packed = await deflateMessages(texts.map((t) => enc.encode(t)));
  const frames: Uint8Array[] = [
    encodeWsFrame({ opcode: 1, payload: packed[0], rsv1: true }),
    // A compressed message in two fragments: RSV1 only on the first.
    encodeWsFrame({ opcode: 1, payload: packed[1].subarray(0, 5), rsv1: true, fin: false }),
    encodeWsFrame({ opcode: 0, payload: packed[1].subarray(5) }),
    // Messages may also go uncompressed on a deflate connection.
    encodeWsFrame({ opcode: 1, payload: enc.encode("plain") }),
    encodeWsFrame({ opcode: 1, payload: packed[2], rsv1: true }),
  ];
  const events = readEverySplit(cat(frames), { deflate: true });
  assert.deepEqual(events.map(text), [texts[0], texts[1], "plain", texts[2]]);
  assert.deepEqual(events.map((e) => e.type === "message" && e.compressed), [
    true,
    true,
    false,
    true,
  ]);

  const fresh = await deflateMessages(texts.map((t) => enc.encode(t)), {
    noContextTakeover: true,
  });
  const masked = fresh.map((p) => encodeWsFrame({ opcode: 1, payload: p, rsv1: true, mask: MASK }));
  assert.deepEqual(readEverySplit(cat(masked), { deflate: true }).map(text), texts);
});

Deno.test("ws reader: an oversized message is reported without data; later ones still read", async () => {
  const bytes = cat([
    encodeWsFrame({ opcode: 1, payload: enc.encode("a".repeat(2000)) }),
    encodeWsFrame({ opcode: 1, payload: enc.encode("small") }),
  ]);
  const events = readEverySplit(bytes, { deflate: false, maxMessageBytes: 1000 });
  assert.equal(events[0].type === "message" && events[0].data, null);
  assert.match(String(events[0].type === "message" && events[0].error), /exceeds 1000 bytes/);
  assert.equal(text(events[1]), "small");

  // Compressed and too big once decoded: decoded anyway (the history stays right), not kept.
  const packed = await deflateMessages([enc.encode("b".repeat(5000)), enc.encode("bbbb")]);
  const frames = packed.map((p) => encodeWsFrame({ opcode: 1, payload: p, rsv1: true }));
  const kept = readEverySplit(cat(frames), { deflate: true, maxMessageBytes: 1000 });
  assert.match(String(kept[0].type === "message" && kept[0].error), /1000 bytes decompressed/);
  assert.equal(text(kept[1]), "bbbb");
  // Too big while compressed: not decoded, so the next message's history is gone.
  const noise = crypto.getRandomValues(new Uint8Array(3000));
  const lostPacked = await deflateMessages([noise, enc.encode("bbbb")]);
  const lostFrames = lostPacked.map((p) => encodeWsFrame({ opcode: 1, payload: p, rsv1: true }));
  const lost = readEverySplit(cat(lostFrames), { deflate: true, maxMessageBytes: 1000 });
  assert.match(String(lost[0].type === "message" && lost[0].error), /exceeds 1000 bytes/);
  assert.match(String(lost[1].type === "message" && lost[1].error), /context lost/);
});

Deno.test("ws reader: protocol errors stop decoding, once", () => {
  const cases: [string, Uint8Array, RegExp][] = [
    [
      "rsv1 without deflate",
      encodeWsFrame({ opcode: 1, payload: enc.encode("x"), rsv1: true }),
      /RSV1/,
    ],
    ["stray continuation", encodeWsFrame({ opcode: 0, payload: enc.encode("x") }), /continuation/],
    ["reserved opcode", encodeWsFrame({ opcode: 3, payload: new Uint8Array(0) }), /opcode 3/],
    [
      "long ping",
      encodeWsFrame({ opcode: 9, payload: new Uint8Array(200) }),
      /oversized control frame/,
    ],
    [
      "message inside a message",
      cat([
        encodeWsFrame({ opcode: 1, payload: enc.encode("x"), fin: false }),
        encodeWsFrame({ opcode: 1, payload: enc.encode("y") }),
      ]),
      /before the previous one ended/,
    ],
  ];
  for (const [name, bytes, message] of cases) {
    const r = createWsReader({ deflate: false });
    const events = [...r.push(bytes), ...r.push(encodeWsFrame({ opcode: 1, payload: bytes }))];
    assert.equal(events.length, 1, name);
    assert.equal(events[0].type, "error", name);
    assert.match(events[0].type === "error" ? events[0].message : "", message, name);
    assert.equal(r.failed(), true);
  }
});
