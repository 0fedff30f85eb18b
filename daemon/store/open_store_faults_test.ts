/** openStore under faults: a killed process, a full disk, the memory bound. */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { makeRecord } from "./_test_record.ts";
import { counts, fakeTimers, fullDiskFiles, spoolLines, tempPaths } from "./_test_helpers.ts";
import { openStore } from "./open_store.ts";

Deno.test("openStore: a row is in the spool file when enqueue returns; a store opened after a kill replays it", async () => {
  const t = await tempPaths();
  const clock = fakeTimers();
  const disk = fullDiskFiles(() => 1 << 30);
  // Its flush timer never fires: the process is "killed" with three rows only enqueued.
  const killed = openStore({
    path: t.path,
    spoolPath: t.spoolPath,
    deps: { timers: clock.timers, openSpoolFile: disk.openFile },
  });
  for (const id of ["a", "b", "c"]) killed.enqueue(makeRecord({ id }));
  assert.deepEqual(spoolLines(t.spoolPath).map((l) => JSON.parse(l).id), ["a", "b", "c"]);
  assert.deepEqual(counts(killed.state()), {
    state: "ok",
    queued: 3,
    spooled: 0,
    dropped: 0,
    memoryOnly: 0,
  });
  const next = openStore({ path: t.path, spoolPath: t.spoolPath });
  try {
    assert.deepEqual(next.listCalls().calls.map((c) => c.id).sort(), ["a", "b", "c"]);
    assert.deepEqual(spoolLines(t.spoolPath), []);
  } finally {
    await next.close();
    // What the kernel does for a killed process: its file handles close.
    assert.equal(disk.opened - disk.closed, 1);
    await killed.close();
    await t.cleanup();
  }
});

Deno.test("openStore: once written, rows leave the spool (it holds only rows not yet in the database)", async () => {
  const t = await tempPaths();
  const clock = fakeTimers();
  const store = openStore({ path: t.path, spoolPath: t.spoolPath, deps: { timers: clock.timers } });
  try {
    store.enqueue(makeRecord({ id: "one" }));
    assert.equal(spoolLines(t.spoolPath).length, 1);
    clock.fireAll();
    assert.deepEqual(spoolLines(t.spoolPath), []);
    assert.equal(store.state().spoolBytes, 0);
    assert.equal((await Deno.stat(t.spoolPath)).size, 16 * 1024 * 1024, "the reserve stays");
  } finally {
    await store.close();
    await t.cleanup();
  }
});

Deno.test("openStore: database refusing and disk full for 60 s at 500 calls/s: 30,000 rows held, none lost", async () => {
  const t = await tempPaths();
  const clock = fakeTimers();
  let free = 1 << 30;
  const disk = fullDiskFiles(() => free);
  // Default bounds: a 16 MiB spool reserve and 50,000 rows in memory.
  const store = openStore({
    path: t.path,
    spoolPath: t.spoolPath,
    busyTimeoutMs: 1,
    deps: { timers: clock.timers, openSpoolFile: disk.openFile },
  });
  const locker = new DatabaseSync(t.path);
  try {
    // The database refuses every write (here: another writer's lock) and the disk has no
    // byte left: only the spool's reserve and the memory queue can take rows.
    locker.exec("BEGIN EXCLUSIVE");
    free = 0;
    for (let second = 0; second < 60; second++) {
      for (let i = 0; i < 500; i++) store.enqueue(makeRecord({ id: `s${second}-${i}` }));
      clock.fireAll(); // a second of flush and retry timers
    }
    const s = store.state();
    assert.equal(s.state, "degraded");
    assert.equal(s.dropped, 0);
    assert.equal(s.spooled + s.queued, 30_000);
    assert.equal(s.memoryOnly, s.queued);
    assert.ok(s.spooled > 13_000, `${s.spooled} rows in the 16 MiB reserve`);
    assert.ok(s.spoolFileBytes <= 16 * 1024 * 1024, "the spool did not grow past its reserve");
    assert.match(s.lastError ?? "", /No space left/);

    free = 1 << 30;
    locker.exec("ROLLBACK");
    await store.flush();
    assert.deepEqual(counts(store.state()), {
      state: "ok",
      queued: 0,
      spooled: 0,
      dropped: 0,
      memoryOnly: 0,
    });
    assert.equal(store.summarize({ groupBy: "provider" })[0].calls, 30_000);
  } finally {
    if (locker.isTransaction) locker.exec("ROLLBACK");
    locker.close();
    await store.close();
    await t.cleanup();
  }
});
