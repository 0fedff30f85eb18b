import assert from "node:assert/strict";
import { createJsonArrayScanner } from "./_json_array_scanner.ts";

function scan(chunks: string[], max = 1 << 20) {
  const out: unknown[] = [];
  const s = createJsonArrayScanner((t) => out.push(JSON.parse(t)), max);
  for (const c of chunks) s.pushText(c);
  return { out, closed: s.closed(), oversized: s.oversized() };
}

Deno.test("jsonArrayScanner: elements with nested brackets and escaped quotes, any split", () => {
  const values = [{ a: ']}[{,"\\' }, { b: [1, [2, { c: "x" }]] }, 3, "s,]", null];
  const text = "  [" + values.map((v) => JSON.stringify(v, null, 2)).join("\r\n,\n") + "\n]  ";
  assert.deepEqual(scan([text]), { out: values, closed: true, oversized: 0 });
  assert.deepEqual(scan([...text]), { out: values, closed: true, oversized: 0 });
});

Deno.test("jsonArrayScanner: an array cut short reports only complete elements", () => {
  const r = scan(['[{"a":1},', '{"b":']);
  assert.deepEqual(r, { out: [{ a: 1 }], closed: false, oversized: 0 });
});

Deno.test("jsonArrayScanner: an element over the cap is dropped and counted", () => {
  const r = scan(['[{"big":"' + "x".repeat(50) + '"},{"ok":1}]'], 20);
  assert.deepEqual(r, { out: [{ ok: 1 }], closed: true, oversized: 1 });
});

Deno.test("jsonArrayScanner: empty array", () => {
  assert.deepEqual(scan(["[", "]"]), { out: [], closed: true, oversized: 0 });
});
