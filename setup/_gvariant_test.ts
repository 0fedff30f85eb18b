import assert from "node:assert/strict";
import { parseGString, parseGStringArray, renderGString, renderGStringArray } from "./_gvariant.ts";

Deno.test("GVariant strings and string arrays round-trip the way gsettings prints them", () => {
  assert.equal(parseGString("'none'\n"), "none");
  assert.equal(parseGString(`"it's"`), "it's");
  assert.equal(parseGString("'a\\\\b'"), "a\\b");
  assert.equal(parseGString("none"), null);
  assert.deepEqual(parseGStringArray("['localhost', '127.0.0.0/8', '::1']\n"), [
    "localhost",
    "127.0.0.0/8",
    "::1",
  ]);
  assert.deepEqual(parseGStringArray("@as []"), []);
  assert.deepEqual(parseGStringArray("[]"), []);
  assert.deepEqual(parseGStringArray(`["it's", 'c\\\\d']`), ["it's", "c\\d"]);
  assert.equal(parseGStringArray("['a''b']"), null);
  assert.equal(parseGStringArray("['a',"), null);
  for (const v of [[], ["x"], ["it's", "back\\slash", "*.corp"]]) {
    assert.deepEqual(parseGStringArray(renderGStringArray(v)), v);
  }
  assert.equal(renderGString("it's"), "'it\\'s'");
});
