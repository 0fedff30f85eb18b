import assert from "node:assert/strict";
import { Lru } from "./_lru.ts";

Deno.test("Lru keeps the most recently used entries", () => {
  const lru = new Lru<string, number>(2);
  lru.set("a", 1);
  lru.set("b", 2);
  assert.equal(lru.get("a"), 1);
  lru.set("c", 3);
  assert.equal(lru.has("b"), false);
  assert.equal(lru.get("a"), 1);
  assert.equal(lru.get("c"), 3);
  lru.set("a", 10); // overwrite refreshes without growing
  assert.equal(lru.size, 2);
  lru.set("d", 4);
  assert.equal(lru.has("c"), false);
  assert.equal(lru.get("a"), 10);
});

Deno.test("Lru rejects a non-positive size", () => {
  assert.throws(() => new Lru(0), /positive integer/);
});
