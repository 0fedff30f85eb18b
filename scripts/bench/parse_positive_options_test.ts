import assert from "node:assert/strict";
import { parsePositiveOptions } from "./parse_positive_options.ts";

const defaults = { rows: 1000, rounds: 8 };

Deno.test("parsePositiveOptions sets the flags given and keeps the other defaults", () => {
  assert.deepEqual(parsePositiveOptions(["--rounds", "3"], defaults), { rows: 1000, rounds: 3 });
  assert.deepEqual(parsePositiveOptions([], defaults), defaults);
  assert.deepEqual(defaults, { rows: 1000, rounds: 8 });
});

Deno.test("parsePositiveOptions refuses an unknown flag, a missing value and one not above 0", () => {
  assert.deepEqual(parsePositiveOptions(["--samples", "3"], defaults), null);
  assert.deepEqual(parsePositiveOptions(["--rounds"], defaults), null);
  assert.deepEqual(parsePositiveOptions(["--rounds", "0"], defaults), null);
  assert.deepEqual(parsePositiveOptions(["--rounds", "x"], defaults), null);
});
