import assert from "node:assert/strict";
import zlib from "node:zlib";
import { seededRandom } from "../_golden.ts";
import { createRawInflater } from "./create_raw_inflater.ts";
import { deflateMessages } from "./_test_deflate.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const TAIL = new Uint8Array([0, 0, 0xff, 0xff]);

function withTail(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length + 4);
  out.set(b);
  out.set(TAIL, b.length);
  return out;
}

/** Text with repetition (back-references) and some noise (literals). */
function sample(seed: number, n: number): string {
  const rand = seededRandom(seed);
  const words = ["response", ".output_text", ".delta", '{"type":', "token", "é", "🎨", " ", "\n"];
  let s = "";
  while (s.length < n) {
    s += rand() < 0.8
      ? words[Math.floor(rand() * words.length)]
      : String.fromCharCode(33 + Math.floor(rand() * 90));
  }
  return s;
}

Deno.test("raw inflater: zlib's raw deflate at every level, one message each", () => {
  for (const level of [0, 1, 6, 9]) {
    for (const [seed, n] of [[1, 10], [2, 1000], [3, 70_000]]) {
      const text = sample(seed, n);
      const packed = zlib.deflateRawSync(enc.encode(text), { level });
      const r = createRawInflater().inflate(new Uint8Array(packed), 1 << 20);
      assert.ok(r.ok, `level ${level}: ${!r.ok && r.error}`);
      assert.equal(dec.decode(r.output), text);
      assert.equal(r.truncated, false);
    }
  }
});

Deno.test("raw inflater: context takeover across messages (sync flush, tail removed and put back)", async () => {
  const texts = [sample(4, 200), sample(4, 200) + sample(5, 40_000), sample(4, 300), "", "x"];
  const packed = await deflateMessages(texts.map((t) => enc.encode(t)));
  // Later messages refer back into earlier ones: they are smaller than on their own.
  assert.ok(packed[2].length < zlib.deflateRawSync(enc.encode(texts[2])).length);
  const inf = createRawInflater();
  for (let i = 0; i < texts.length; i++) {
    const r = inf.inflate(withTail(packed[i]), 1 << 20);
    assert.ok(r.ok, `message ${i}: ${!r.ok && r.error}`);
    assert.equal(dec.decode(r.output), texts[i], `message ${i}`);
  }
  // Without the history the third message cannot be decoded.
  const alone = createRawInflater().inflate(withTail(packed[2]), 1 << 20);
  assert.ok(!alone.ok || dec.decode(alone.output) !== texts[2]);
});

Deno.test("raw inflater: output past the cap is decoded (the window stays right) but not kept", async () => {
  const texts = [sample(6, 50_000), sample(6, 50_000).slice(0, 5000)];
  const packed = await deflateMessages(texts.map((t) => enc.encode(t)));
  const inf = createRawInflater();
  const first = inf.inflate(withTail(packed[0]), 100);
  assert.ok(first.ok);
  assert.equal(first.output.length, 100);
  assert.equal(first.truncated, true);
  const second = inf.inflate(withTail(packed[1]), 1 << 20);
  assert.ok(second.ok);
  assert.equal(dec.decode(second.output), texts[1]);
});

Deno.test("raw inflater: corrupt or cut input is an error, never a throw", () => {
  const packed = new Uint8Array(zlib.deflateRawSync(enc.encode(sample(7, 5000))));
  const cut = createRawInflater().inflate(packed.subarray(0, packed.length >> 1), 1 << 20);
  assert.equal(cut.ok, false);
  assert.equal(createRawInflater().inflate(new Uint8Array([0xff, 0xff, 0xff]), 100).ok, false);
  const rand = seededRandom(99);
  for (let i = 0; i < 300; i++) {
    const junk = new Uint8Array(1 + Math.floor(rand() * 64)).map(() => Math.floor(rand() * 256));
    createRawInflater().inflate(junk, 1000); // must return, whatever it says
  }
});

Deno.test("raw inflater: a final block ends the message; bytes after it are ignored", () => {
  const packed = new Uint8Array(zlib.deflateRawSync(enc.encode("final block")));
  const r = createRawInflater().inflate(withTail(packed), 100);
  assert.ok(r.ok);
  assert.equal(dec.decode(r.output), "final block");
});
