import assert from "node:assert/strict";
import { callToDbRow } from "./_db_row.ts";
import { createSpool } from "./_spool.ts";
import { makeRecord } from "./_test_record.ts";
import { spoolLines, tempPaths } from "./_test_helpers.ts";

Deno.test("spool: an append after a torn line starts on a new line", async () => {
  const t = await tempPaths();
  try {
    await Deno.writeTextFile(t.spoolPath, '{"id":"torn"');
    const spool = createSpool(t.spoolPath, { capBytes: 1 << 20, reserveBytes: 0 });
    assert.equal(spool.rows(), 1);
    assert.equal(spool.append([callToDbRow(makeRecord({ id: "next" }))]).written, 1);
    const read = spool.readAll();
    assert.deepEqual(read.rows.map((r) => r.id), ["next"]);
    assert.equal(read.invalid, 1);
    assert.equal(spoolLines(t.spoolPath).length, 2);
    spool.clear();
    assert.equal(spool.rows(), 0);
    assert.deepEqual(spoolLines(t.spoolPath), []);
  } finally {
    await t.cleanup();
  }
});

Deno.test("spool: rows that fail the row guard are not replayed", async () => {
  const t = await tempPaths();
  try {
    const good = callToDbRow(makeRecord({ id: "good" }));
    const lines = [good, { ...good, id: 7 }, { ...good, started_at: null }, "text", [1]];
    await Deno.writeTextFile(t.spoolPath, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
    const read = createSpool(t.spoolPath, { capBytes: 1 << 20, reserveBytes: 0 }).readAll();
    assert.deepEqual(read.rows.map((r) => r.id), ["good"]);
    assert.equal(read.invalid, 4);
  } finally {
    await t.cleanup();
  }
});
