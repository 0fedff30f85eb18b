import assert from "node:assert/strict";
import { callToDbRow } from "./_db_row.ts";
import { createSpool } from "./_spool.ts";
import { makeRecord } from "./_test_record.ts";
import { fullDiskFiles, spoolLines, tempPaths } from "./_test_helpers.ts";

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

const row = (id: string) => callToDbRow(makeRecord({ id }));
const LINE = JSON.stringify(row("x")).length + 1;

Deno.test("spool: a new file is its reserve of blank lines; rows go over it, clear blanks them", async () => {
  const t = await tempPaths();
  try {
    const spool = createSpool(t.spoolPath, { capBytes: 1 << 20, reserveBytes: 64 * 1024 });
    const blank = await Deno.readFile(t.spoolPath);
    assert.equal(blank.length, 64 * 1024);
    assert.ok(blank.every((b) => b === 0x0a), "the reserve is newlines only");
    assert.equal(spool.append([row("a"), row("b")]).written, 2);
    assert.equal(spool.sizeBytes(), 64 * 1024, "rows are written inside the reserve");
    assert.equal(spool.usedBytes(), 2 * LINE);
    assert.deepEqual(spoolLines(t.spoolPath).map((l) => JSON.parse(l).id), ["a", "b"]);
    spool.close();

    // Reopened (a new run): rows found after the reserve was scanned, appends continue.
    const again = createSpool(t.spoolPath, { capBytes: 1 << 20, reserveBytes: 64 * 1024 });
    assert.equal(again.rows(), 2);
    again.append([row("c")]);
    assert.deepEqual(again.readAll().rows.map((r) => r.id), ["a", "b", "c"]);
    again.clear();
    assert.equal(again.rows(), 0);
    assert.deepEqual(spoolLines(t.spoolPath), []);
    assert.equal((await Deno.stat(t.spoolPath)).size, 64 * 1024, "clear keeps the reserve");
    again.close();
  } finally {
    await t.cleanup();
  }
});

Deno.test("spool: rows past the reserve grow the file; clear gives the excess back", async () => {
  const t = await tempPaths();
  try {
    const spool = createSpool(t.spoolPath, { capBytes: 1 << 20, reserveBytes: 2 * LINE });
    for (const id of "abcde") assert.equal(spool.append([row(id)]).written, 1);
    assert.equal(spool.sizeBytes(), 5 * LINE);
    spool.clear();
    assert.equal((await Deno.stat(t.spoolPath)).size, 2 * LINE);
    assert.deepEqual(spoolLines(t.spoolPath), []);
    spool.close();
  } finally {
    await t.cleanup();
  }
});

Deno.test("spool: on a full disk rows still fit in the reserve; past it the append fails with ENOSPC", async () => {
  const t = await tempPaths();
  let free = 1 << 20;
  const disk = fullDiskFiles(() => free);
  try {
    const spool = createSpool(t.spoolPath, {
      capBytes: 1 << 20,
      reserveBytes: 3 * LINE + 10,
      openFile: disk.openFile,
    });
    free = 0;
    assert.deepEqual(spool.append([row("a")]), { written: 1 });
    // A batch that straddles the end of the reserve: the part inside lands, the rest fails.
    const r = spool.append([row("b"), row("c"), row("d")]);
    assert.equal(r.written, 2);
    assert.equal(r.code, "ENOSPC");
    assert.match(r.error ?? "", /Cannot append to spool .*No space left/);
    assert.equal(spool.append([row("e")]).written, 0);
    assert.deepEqual(spool.readAll(), {
      rows: [row("a"), row("b"), row("c")],
      invalid: 0,
    });
    // The part of "d" that fitted before ENOSPC was blanked: no torn line is left behind.
    assert.deepEqual(spoolLines(t.spoolPath).map((l) => JSON.parse(l).id), ["a", "b", "c"]);
    free = 1 << 20;
    assert.equal(spool.append([row("d")]).written, 1);
    assert.equal(spool.rows(), 4);
    spool.close();
  } finally {
    await t.cleanup();
  }
});

Deno.test("spool: a file that was short of its reserve (disk full at start) is topped up later", async () => {
  const t = await tempPaths();
  let free = 1000;
  const disk = fullDiskFiles(() => free);
  try {
    const spool = createSpool(t.spoolPath, {
      capBytes: 1 << 20,
      reserveBytes: 8192,
      openFile: disk.openFile,
    });
    assert.equal(spool.sizeBytes(), 1000);
    free = 1 << 20;
    spool.ensureReserve();
    assert.equal(spool.sizeBytes(), 8192);
    spool.close();
  } finally {
    await t.cleanup();
  }
});

Deno.test("spool: an old-style spool (rows, no reserve) is read, then kept with a reserve", async () => {
  const t = await tempPaths();
  try {
    await Deno.writeTextFile(
      t.spoolPath,
      [row("old1"), row("old2")].map((r) => JSON.stringify(r)).join("\n") + "\n",
    );
    const spool = createSpool(t.spoolPath, { capBytes: 1 << 20, reserveBytes: 16 * 1024 });
    assert.equal(spool.rows(), 2);
    assert.equal(spool.sizeBytes(), 16 * 1024);
    spool.append([row("new")]);
    assert.deepEqual(spool.readAll().rows.map((r) => r.id), ["old1", "old2", "new"]);
    spool.close();
  } finally {
    await t.cleanup();
  }
});

Deno.test("spool: after close, each append opens the file and closes it again", async () => {
  const t = await tempPaths();
  const disk = fullDiskFiles(() => 1 << 20);
  try {
    const spool = createSpool(t.spoolPath, {
      capBytes: 1 << 20,
      reserveBytes: 1024,
      openFile: disk.openFile,
    });
    spool.close();
    assert.deepEqual([disk.opened, disk.closed], [1, 1]);
    assert.equal(spool.append([row("late")]).written, 1);
    assert.deepEqual([disk.opened, disk.closed], [2, 2]);
    assert.deepEqual(spoolLines(t.spoolPath).map((l) => JSON.parse(l).id), ["late"]);
  } finally {
    await t.cleanup();
  }
});
