import assert from "node:assert/strict";
import { type JsonSchema, validateJsonSchema } from "./json_schema.ts";

const schema: JsonSchema = {
  type: "object",
  required: ["name", "n", "tags"],
  properties: {
    name: { type: "string", pattern: "^[a-z]+$" },
    n: { type: ["number", "null"], minimum: 0, maximum: 10 },
    tags: { type: "array", items: { type: "string", enum: ["a", "b"] } },
    count: { type: "integer" },
  },
};

Deno.test("validateJsonSchema: a conforming value has no errors", () => {
  assert.deepEqual(validateJsonSchema(schema, { name: "ok", n: 3, tags: ["a"], count: 2 }), []);
  assert.deepEqual(validateJsonSchema(schema, { name: "ok", n: null, tags: [] }), []);
});

Deno.test("validateJsonSchema: each keyword reports its path", () => {
  const errs = (v: unknown) => validateJsonSchema(schema, v).join("\n");
  assert.match(errs({ n: 1, tags: [] }), /^\$\.name: required field missing$/);
  assert.match(errs({ name: "Bad", n: 1, tags: [] }), /^\$\.name: does not match pattern$/);
  assert.match(errs({ name: "a", n: 11, tags: [] }), /^\$\.n: > maximum$/);
  assert.match(errs({ name: "a", n: -1, tags: [] }), /^\$\.n: < minimum$/);
  assert.match(errs({ name: "a", n: "1", tags: [] }), /^\$\.n: expected number\|null, got string$/);
  assert.match(errs({ name: "a", n: 1, tags: ["c"] }), /^\$\.tags\[0\]: "c" not in \["a","b"\]$/);
  assert.match(errs({ name: "a", n: 1, tags: [], count: 1.5 }), /\$\.count: expected integer/);
  assert.match(errs([]), /^\$: expected object, got array$/);
});
