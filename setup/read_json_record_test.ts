import assert from "node:assert/strict";
import { z } from "zod";
import { createMemoryFiles } from "./memory_files.ts";
import { readJsonRecord } from "./read_json_record.ts";

const PATH = "/h/state.json";
const schema = z.object({ name: z.string(), n: z.number() });

Deno.test("readJsonRecord: missing, found, unparsable and misshapen files are data", async () => {
  const files = createMemoryFiles();
  assert.deepEqual(await readJsonRecord(files, PATH, schema), { kind: "missing" });

  files.files.set(PATH, JSON.stringify({ name: "a", n: 1 }));
  assert.deepEqual(await readJsonRecord(files, PATH, schema), {
    kind: "found",
    value: { name: "a", n: 1 },
  });

  files.files.set(PATH, "{not json");
  const bad = await readJsonRecord(files, PATH, schema);
  assert.equal(bad.kind, "invalid");
  assert.match(
    bad.kind === "invalid" ? bad.message : "",
    /^Cannot parse \/h\/state\.json as JSON \(SyntaxError/,
  );

  files.files.set(PATH, JSON.stringify({ name: "a", n: "one" }));
  const shape = await readJsonRecord(files, PATH, schema);
  assert.match(shape.kind === "invalid" ? shape.message : "", /^Cannot read \/h\/state\.json: n: /);

  files.files.set(PATH, "[]");
  const root = await readJsonRecord(files, PATH, schema);
  assert.match(root.kind === "invalid" ? root.message : "", /: \(root\): /);
});

Deno.test("readJsonRecord: the advice ends both kinds of damage message", async () => {
  const files = createMemoryFiles();
  for (const text of ["{not json", JSON.stringify({ name: 1, n: 1 })]) {
    files.files.set(PATH, text);
    const r = await readJsonRecord(files, PATH, schema, "; fix or delete it");
    assert.match(r.kind === "invalid" ? r.message : "", /; fix or delete it$/);
  }
});
