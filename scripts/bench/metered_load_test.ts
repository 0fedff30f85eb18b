import assert from "node:assert/strict";
import { mergeSse } from "./metered_load.ts";

Deno.test("mergeSse concatenates samples and keeps event indices aligned", () => {
  const a = { ttfb: [1], hold: [0.5, 0.6], holdByIndex: [[0.5], [0.6]], eventsPerStream: [2] };
  const b = {
    ttfb: [2],
    hold: [0.7, 0.8, 0.9],
    holdByIndex: [[0.7], [0.8], [0.9]],
    eventsPerStream: [3],
  };
  assert.deepEqual(mergeSse(a, b), {
    ttfb: [1, 2],
    hold: [0.5, 0.6, 0.7, 0.8, 0.9],
    holdByIndex: [[0.5, 0.7], [0.6, 0.8], [0.9]],
    eventsPerStream: [2, 3],
  });
  assert.deepEqual(a.holdByIndex, [[0.5], [0.6]], "inputs untouched");
});
