import assert from "node:assert/strict";
import { int64Size, ProtobufWriter, varintSize } from "./_protobuf_writer.ts";
import { writeNanos } from "./_trace_protobuf.ts";

/** The specification's varint of an int64/uint64, from a BigInt: the reference. */
function refVarint(v: bigint): number[] {
  let u = BigInt.asUintN(64, v);
  const out = [];
  while (u > 0x7fn) {
    out.push(Number(u & 0x7fn) | 0x80);
    u >>= 7n;
  }
  out.push(Number(u));
  return out;
}

const written = (fn: (w: ProtobufWriter) => void) => {
  const w = new ProtobufWriter(4);
  fn(w);
  return [...w.finish()];
};

Deno.test("varint: uint32, uint64 up to 2^53 and negative int64 as the specification says", () => {
  const values = [
    0,
    1,
    127,
    128,
    300,
    16383,
    16384,
    2 ** 31 - 1,
    2 ** 31,
    2 ** 32 - 1,
    2 ** 32,
    2 ** 35 + 7,
    6_000_000_000,
    2 ** 53 - 1,
    2 ** 53,
    -1,
    -5,
    -128,
    -(2 ** 31),
    -(2 ** 32) - 3,
    -(2 ** 53),
    -(2 ** 63),
  ];
  for (const v of values) {
    assert.deepEqual(written((w) => w.varint(v)), refVarint(BigInt(v)), String(v));
    assert.equal(int64Size(v), refVarint(BigInt(v)).length, `size of ${v}`);
  }
  for (let bits = 0; bits <= 53; bits++) {
    for (const v of [2 ** bits - 1, 2 ** bits]) {
      assert.equal(int64Size(v), refVarint(BigInt(v)).length, `size of ${v}`);
    }
  }
  for (const v of [0, 127, 128, 16383, 16384, 2097151, 2097152, 2 ** 28 - 1, 2 ** 28]) {
    assert.equal(varintSize(v), refVarint(BigInt(v)).length, String(v));
  }
});

Deno.test("fixed64 nanoseconds: exact for any epoch ms, whole or not", () => {
  const ms = [0, 1, 999, 1000, 1_750_000_000_000, 1_750_000_000_123.5, 4_102_444_800_000];
  for (let i = 0; i < 1000; i++) ms.push(Math.floor(Math.random() * 1e13) + (i % 2 ? 0.25 : 0));
  for (const m of ms) {
    const s = Math.floor(m / 1000);
    const ns = BigInt(s) * 1_000_000_000n + BigInt(Math.round((m - s * 1000) * 1e6));
    const w = new ProtobufWriter(8);
    writeNanos(w, m);
    const got = new DataView(w.finish().slice().buffer).getBigUint64(0, true);
    assert.equal(got, ns, String(m));
  }
});

Deno.test("strings: UTF-8 (ASCII copied, the rest encoded); lengths moved when they grow", () => {
  for (const s of ["", "a", "prøject ✓ 🚀", "x".repeat(127), "y".repeat(128), "é".repeat(70)]) {
    const bytes = new TextEncoder().encode(s);
    assert.deepEqual(written((w) => w.string(s)), [...refVarint(BigInt(bytes.length)), ...bytes]);
  }
  for (const n of [0, 127, 128, 16383, 16384, 70_000]) {
    for (const reserve of [1, 2, 3]) {
      const got = written((w) => {
        w.raw(new Uint8Array([9]));
        const m = w.begin(reserve);
        w.raw(new Uint8Array(n).fill(7));
        w.end(m);
        w.raw(new Uint8Array([9]));
      });
      const want = [9, ...refVarint(BigInt(n)), ...new Array(n).fill(7), 9];
      assert.deepEqual(got, want, `${n} bytes, ${reserve} reserved`);
    }
  }
});

Deno.test("fixed32, double, prepend", () => {
  assert.deepEqual(written((w) => w.fixed32(0x101)), [1, 1, 0, 0]);
  const d = new Uint8Array(new Float64Array([0.0125]).buffer);
  assert.deepEqual(written((w) => w.double(0.0125)), [...d]);
  const w = new ProtobufWriter(16, 4);
  w.raw(new Uint8Array([5, 6]));
  assert.deepEqual([...w.prepend(4, new Uint8Array([1, 2]))], [1, 2, 5, 6]);
  assert.throws(() => w.prepend(4, new Uint8Array(5)), /only 4 were left free/);
});
