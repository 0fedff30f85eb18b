import assert from "node:assert/strict";
import zlib from "node:zlib";
import { createBodyDecoder } from "./create_body_decoder.ts";

const text = "usage: input_tokens 10, output_tokens 20. ".repeat(200);
const raw = new TextEncoder().encode(text);

async function decode(encoding: string, body: Uint8Array, split = 7) {
  const out: Uint8Array[] = [];
  const d = createBodyDecoder(encoding, (c) => out.push(c.slice()));
  for (let i = 0; i < body.length; i += split) d.write(body.subarray(i, i + split));
  await d.end();
  return { text: new TextDecoder().decode(Buffer.concat(out)), error: d.error() };
}

Deno.test("createBodyDecoder: gzip, br, zlib and raw deflate fed in small pieces", async () => {
  for (
    const [enc, body] of [
      ["gzip", zlib.gzipSync(raw)],
      ["br", zlib.brotliCompressSync(raw)],
      ["deflate", zlib.deflateSync(raw)],
      ["deflate", zlib.deflateRawSync(raw)],
      ["identity", raw],
    ] as const
  ) {
    const r = await decode(enc, new Uint8Array(body));
    assert.equal(r.error, null, enc);
    assert.equal(r.text, text, enc);
  }
});

Deno.test("createBodyDecoder: corrupt and unsupported bodies are errors as data", async () => {
  const corrupt = await decode("gzip", new TextEncoder().encode("not gzip at all"));
  assert.match(corrupt.error ?? "", /cannot decode gzip/);
  const zstd = await decode("zstd", raw);
  assert.match(zstd.error ?? "", /unsupported content-encoding "zstd"/);
  assert.equal(zstd.text, "");
});
