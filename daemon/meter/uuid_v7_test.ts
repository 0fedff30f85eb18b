import assert from "node:assert/strict";
import { uuidV7 } from "./uuid_v7.ts";

Deno.test("uuidV7: RFC 9562 layout, ordered by time, unique", () => {
  const at = Date.UTC(2026, 11, 1, 12, 0, 0, 123);
  const id = uuidV7(at);
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(parseInt(id.replaceAll("-", "").slice(0, 12), 16), at);
  const ids = Array.from({ length: 2000 }, (_, i) => uuidV7(at + i * 7));
  assert.deepEqual([...ids].sort(), ids, "string order is time order");
  assert.equal(new Set(Array.from({ length: 5000 }, () => uuidV7(at))).size, 5000);
});
