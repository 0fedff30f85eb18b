import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { makeRecord } from "./_test_record.ts";
import { tempPaths } from "./_test_helpers.ts";
import { openStore } from "./open_store.ts";
import type { Store } from "./types.ts";

const T0 = Date.UTC(2025, 5, 1);
const COLS = ["provider", "ended_at"] as const;

async function withStore(fn: (store: Store, path: string) => void | Promise<void>): Promise<void> {
  const t = await tempPaths();
  const store = openStore({ path: t.path, spoolPath: t.spoolPath });
  try {
    await fn(store, t.path);
  } finally {
    await store.close();
    await t.cleanup();
  }
}

Deno.test("exportRowsAfter: write order, not id order (a long call ends after a short one)", () =>
  withStore(async (store) => {
    store.enqueue(makeRecord({ id: "0002-short", startedAt: T0 + 1000 }));
    store.enqueue(makeRecord({ id: "0001-long", startedAt: T0 }));
    await store.flush();
    const first = store.exportRowsAfter({ rowid: 0, id: null }, 1, COLS);
    assert.deepEqual(first.rows.map((r) => r[1]), ["0002-short"]);
    const last = first.rows[0];
    const position = { rowid: last[0] as number, id: last[1] as string };
    const next = store.exportRowsAfter(position, 10, COLS);
    assert.deepEqual(next.rows.map((r) => r[1]), ["0001-long"]);
    assert.deepEqual(next.rows[0].slice(2), ["anthropic", 1_750_000_001_500]);
    assert.equal(next.moved, false);
    const lag = store.exportLag(position);
    assert.equal(lag.rowsBehind, 1);
    assert.equal(lag.oldestEndedAt, next.rows[0][3]);
    assert.deepEqual(
      store.exportLag({ rowid: lag.lastRowid, id: "0001-long" }).rowsBehind,
      0,
    );
    assert.throws(
      () => store.exportRowsAfter(position, 1, ["provider", "nope"] as never),
      /Cannot read calls\.nope: no such column/,
    );
  }));

Deno.test("exportRowsAfter: a position whose row moved (VACUUM) or vanished is found again", () =>
  withStore(async (store, path) => {
    for (const id of ["a", "b", "c"]) store.enqueue(makeRecord({ id, startedAt: T0 }));
    await store.flush();
    // Renumber as VACUUM may: same rows, other rowids.
    const db = new DatabaseSync(path);
    db.exec("UPDATE calls SET rowid = rowid + 100");
    db.close();
    const moved = store.exportRowsAfter({ rowid: 1, id: "a" }, 10, COLS);
    assert.equal(moved.moved, true);
    assert.deepEqual(moved.rows.map((r) => r[1]), ["b", "c"]);
    // A position from another database: every call newer than its id is sent again.
    const gone = store.exportRowsAfter({ rowid: 2, id: "a0" }, 10, COLS);
    assert.equal(gone.moved, true);
    assert.deepEqual(gone.rows.map((r) => r[1]), ["b", "c"]);
    const none = store.exportRowsAfter({ rowid: 2, id: "zz" }, 10, COLS);
    assert.deepEqual(none.rows, []);
  }));

Deno.test("metricTotals + metricRowsAfter: the roll-up's sums, then the rows after it", () =>
  withStore(async (store) => {
    store.enqueue(makeRecord({ id: "a", startedAt: T0, project: "p1" }));
    store.enqueue(makeRecord({ id: "b", startedAt: T0 + 1, project: "p1" }));
    store.enqueue(makeRecord({ id: "st", startedAt: T0 + 2, selfTest: true }));
    await store.flush();
    const totals = store.metricTotals();
    assert.equal(totals.rows.length, 1);
    const [row] = totals.rows;
    assert.equal(row.project, "p1");
    assert.equal(row.calls, 2);
    assert.equal(row.input_tokens, 2400);
    assert.equal(row.cache_write_tokens, 300);
    assert.equal(totals.lastRowid, 3);
    assert.equal(totals.lastId, "st");
    assert.equal(store.metricIdAt(2), "b");
    assert.equal(store.metricIdAt(99), null);
    store.enqueue(makeRecord({ id: "c", startedAt: T0 + 3, project: null, client: null }));
    await store.flush();
    const after = store.metricRowsAfter(totals.lastRowid, 10);
    assert.equal(after.length, 1);
    assert.equal(after[0].id, "c");
    assert.equal(after[0].project, "");
    assert.equal(after[0].client, "");
    assert.equal(after[0].model, "claude-sonnet-4-5-20250929");
    assert.equal(after[0].cache_write_tokens, 150);
    assert.equal(after[0].self_test, false);
  }));
