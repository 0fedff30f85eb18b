import assert from "node:assert/strict";
import { EDGE_DEFAULTS, parseEdgeOptions, parseSize } from "./edge_options.ts";

Deno.test("parseSize understands binary suffixes", () => {
  assert.equal(parseSize("1GiB"), 1 << 30);
  assert.equal(parseSize("64mib"), 64 << 20);
  assert.equal(parseSize("4096"), 4096);
  assert.equal(parseSize("1GB"), null);
  assert.equal(parseSize("0"), null);
});

Deno.test("parseEdgeOptions: defaults, both flag forms, errors name the flag", () => {
  assert.deepEqual(parseEdgeOptions([]), { ok: true, value: EDGE_DEFAULTS });
  const r = parseEdgeOptions(["--bytes", "256MiB", "--runs=2", "--warmup", "0"]);
  assert.ok(r.ok);
  if (r.ok) {
    assert.equal(r.value.bytes, 256 << 20);
    assert.equal(r.value.runs, 2);
    assert.equal(r.value.warmup, 0);
  }
  const bad = parseEdgeOptions(["--runs", "zero"]);
  assert.ok(!bad.ok && /--runs: expected a whole number/.test(bad.message));
  const unknown = parseEdgeOptions(["--fast"]);
  assert.ok(!unknown.ok && /unknown option --fast/.test(unknown.message));
});
