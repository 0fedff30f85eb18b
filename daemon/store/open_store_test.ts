import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { emptyUsage } from "../../core/usage.ts";
import { callToDbRow, COLUMNS } from "./_db_row.ts";
import { MIGRATIONS } from "./_migrations.ts";
import { makeRecord } from "./_test_record.ts";
import { counts, fakeTimers, spoolLines, tempPaths } from "./_test_helpers.ts";
import { callRowToRecord } from "./call_row_to_record.ts";
import { openStore } from "./open_store.ts";
import { StoreUnavailableError } from "./store_unavailable_error.ts";

Deno.test("openStore: a full record and an all-null record round-trip unchanged", async () => {
  const t = await tempPaths();
  const store = openStore({ path: t.path, spoolPath: t.spoolPath });
  try {
    const full = makeRecord({ id: "full" });
    const sparse = makeRecord({
      id: "sparse",
      startedAt: full.startedAt - 1,
      ttfbMs: null,
      requestModel: null,
      stream: false,
      status: null,
      usage: emptyUsage(),
      cost: {
        totalUsd: null,
        inputUsd: null,
        cacheReadUsd: null,
        cacheWriteUsd: null,
        outputUsd: null,
        unpricedReason: "no_usage",
        priceVersion: null,
      },
      project: null,
      projectSource: null,
      client: null,
      apiKeyFingerprint: null,
      providerRequestId: null,
      rateLimit: null,
      selfTest: true,
      policy: null,
    });
    store.enqueue(full);
    store.enqueue(sparse);
    await store.flush();
    const { calls } = store.listCalls({ includeSelfTest: true });
    assert.deepEqual(calls.map(callRowToRecord), [full, sparse]);
    assert.equal("rate_limit_json" in calls[0], false, "rate limits are decoded for readers");
    assert.deepEqual(store.state(), {
      state: "ok",
      queued: 0,
      spooled: 0,
      dropped: 0,
      memoryOnly: 0,
      memoryCap: 50_000,
      spoolBytes: 0,
      spoolFileBytes: 16 * 1024 * 1024,
      spoolReserveBytes: 16 * 1024 * 1024,
    });
  } finally {
    await store.close();
    await t.cleanup();
  }
});

Deno.test("openStore: long error messages are cut to 500 chars, fractional ms rounded", async () => {
  const t = await tempPaths();
  const store = openStore({ path: t.path, spoolPath: t.spoolPath });
  try {
    const r = makeRecord({ durationMs: 12.6, ttfbMs: 3.2 });
    r.usage.errorMessage = "x".repeat(600);
    store.enqueue(r);
    await store.flush();
    const [row] = store.listCalls().calls;
    assert.equal(row.error_message?.length, 500);
    assert.equal(row.duration_ms, 13);
    assert.equal(row.ttfb_ms, 3);
  } finally {
    await store.close();
    await t.cleanup();
  }
});

Deno.test("openStore: schema matches the column list, WAL, migrated version", async () => {
  const t = await tempPaths();
  const store = openStore({ path: t.path, spoolPath: t.spoolPath });
  await store.close();
  const db = new DatabaseSync(t.path, { readOnly: true });
  try {
    const info = db.prepare("PRAGMA table_info(calls)").all();
    assert.deepEqual(
      info.map((c) => [c.name, c.notnull === 1 || c.pk === 1]),
      COLUMNS.map(([name, , nullable]) => [name, !nullable]),
    );
    assert.equal(db.prepare("PRAGMA user_version").get()?.user_version, MIGRATIONS.length);
    assert.equal(db.prepare("PRAGMA journal_mode").get()?.journal_mode, "wal");
    const indexes = db.prepare("PRAGMA index_list(calls)").all().map((i) => i.name);
    for (const name of ["calls_started_at", "calls_project", "calls_provider"]) {
      assert.ok(indexes.includes(name), `missing index ${name}: ${indexes.join(", ")}`);
    }
  } finally {
    db.close();
    await t.cleanup();
  }
});

Deno.test("openStore: enqueues are batched into few transactions, by size or by timer", async () => {
  const t = await tempPaths();
  const clock = fakeTimers();
  const transactions: number[] = [];
  const store = openStore({
    path: t.path,
    spoolPath: t.spoolPath,
    deps: { timers: clock.timers, onTransaction: (n) => transactions.push(n) },
  });
  try {
    for (let i = 0; i < 3; i++) store.enqueue(makeRecord());
    assert.deepEqual(transactions, [], "enqueue must not write on the caller's path");
    assert.deepEqual(clock.pending().map((x) => x.ms), [50]);
    clock.fireAll();
    assert.deepEqual(transactions, [3]);

    for (let i = 0; i < 199; i++) store.enqueue(makeRecord());
    assert.deepEqual(clock.pending().map((x) => x.ms), [50]);
    store.enqueue(makeRecord());
    assert.deepEqual(clock.pending().map((x) => x.ms), [0], "a full batch flushes at once");
    clock.fireAll();
    assert.deepEqual(transactions, [3, 200]);

    for (let i = 0; i < 1000; i++) store.enqueue(makeRecord());
    await store.flush();
    assert.deepEqual(transactions.slice(2), [200, 200, 200, 200, 200]);
    assert.equal(store.listCalls({ limit: 1000 }).calls.length, 1000);
    assert.equal(store.summarize({ groupBy: "provider" })[0].calls, 1203);
  } finally {
    await store.close();
    await t.cleanup();
  }
});

Deno.test("openStore: a locked database degrades to the spool, then recovers without duplicates", async () => {
  const t = await tempPaths();
  const clock = fakeTimers();
  const store = openStore({
    path: t.path,
    spoolPath: t.spoolPath,
    busyTimeoutMs: 5,
    deps: { timers: clock.timers },
  });
  const locker = new DatabaseSync(t.path);
  try {
    store.enqueue(makeRecord({ id: "before" }));
    await store.flush();
    locker.exec("BEGIN EXCLUSIVE");

    const records = Array.from({ length: 5 }, (_, i) => makeRecord({ id: `locked-${i}` }));
    for (const r of records) store.enqueue(r);
    await store.flush();
    const degraded = store.state();
    assert.equal(degraded.state, "degraded");
    assert.match(degraded.reason ?? "", /locked|busy/i);
    assert.equal(degraded.spooled, 5);
    assert.equal(spoolLines(t.spoolPath).length, 5);
    // Reads keep working on their own connection while the writer is locked out.
    assert.deepEqual(store.listCalls().calls.map((c) => c.id), ["before"]);

    // While degraded, timer flushes spool without touching the database.
    store.enqueue(makeRecord({ id: "locked-5" }));
    const flushTimer = clock.pending().find((x) => x.ms === 50);
    assert.ok(flushTimer, "a flush timer is scheduled while degraded");
    flushTimer.fired = true;
    flushTimer.fn();
    assert.equal(store.state().spooled, 6);

    const retry = clock.pending();
    assert.deepEqual(retry.map((x) => x.ms), [1000]);
    clock.fireAll(); // still locked
    assert.equal(store.state().state, "degraded");
    assert.deepEqual(clock.pending().map((x) => x.ms), [2000], "retries back off");

    locker.exec("ROLLBACK");
    clock.fireAll();
    const recovered = store.state();
    assert.equal(recovered.state, "ok");
    assert.equal(recovered.spooled, 0);
    assert.match(recovered.lastError ?? "", /locked|busy/i, "last error kept for diagnosis");
    assert.deepEqual(spoolLines(t.spoolPath), []);
    assert.deepEqual(clock.pending(), [], "no retry once healthy");

    for (const r of records) store.enqueue(r); // replays of the same ids are ignored
    await store.flush();
    const ids = store.listCalls().calls.map((c) => c.id).sort();
    assert.deepEqual(ids, ["before", ...records.map((r) => r.id), "locked-5"].sort());
  } finally {
    if (locker.isTransaction) locker.exec("ROLLBACK");
    locker.close();
    await store.close();
    await t.cleanup();
  }
});

Deno.test("openStore: retry delay doubles up to the cap", async () => {
  const t = await tempPaths();
  const clock = fakeTimers();
  await Deno.writeFile(t.path, new Uint8Array(4096).fill(0x5a));
  const store = openStore({ path: t.path, spoolPath: t.spoolPath, deps: { timers: clock.timers } });
  try {
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      const pending = clock.pending();
      assert.equal(pending.length, 1);
      delays.push(pending[0].ms);
      clock.fireAll();
    }
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 10000, 10000]);
  } finally {
    await store.close();
    assert.deepEqual(clock.pending(), [], "close cancels the retry timer");
    await t.cleanup();
  }
});

Deno.test("openStore: a corrupt database does not throw; rows spool until the file is replaced", async () => {
  const t = await tempPaths();
  const clock = fakeTimers();
  await Deno.writeFile(t.path, new TextEncoder().encode("this is not sqlite ".repeat(500)));
  const store = openStore({ path: t.path, spoolPath: t.spoolPath, deps: { timers: clock.timers } });
  try {
    const s = store.state();
    assert.equal(s.state, "degraded");
    assert.match(s.reason ?? "", /not a database/);
    store.enqueue(makeRecord({ id: "kept" }));
    await store.flush();
    assert.equal(store.state().spooled, 1);
    assert.throws(() => store.listCalls(), StoreUnavailableError);

    await Deno.remove(t.path); // the user moves the broken file away
    clock.fireAll();
    assert.equal(store.state().state, "ok");
    assert.deepEqual(store.listCalls().calls.map((c) => c.id), ["kept"]);
  } finally {
    await store.close();
    await t.cleanup();
  }
});

Deno.test("openStore: a spool left by a crashed run is replayed at open, idempotently", async () => {
  const t = await tempPaths();
  const clock = fakeTimers();
  const first = openStore({ path: t.path, spoolPath: t.spoolPath, busyTimeoutMs: 5 });
  first.enqueue(makeRecord({ id: "a" }));
  await first.close();

  const locker = new DatabaseSync(t.path);
  locker.exec("BEGIN EXCLUSIVE");
  // A run that spools and then dies: fake timers and a degraded writer hold no resources,
  // so dropping it without close() is a faithful crash.
  const crashed = openStore({
    path: t.path,
    spoolPath: t.spoolPath,
    busyTimeoutMs: 5,
    deps: { timers: clock.timers },
  });
  for (const id of ["a", "b", "c"]) crashed.enqueue(makeRecord({ id }));
  await crashed.flush();
  assert.equal(crashed.state().state, "degraded");
  assert.equal(spoolLines(t.spoolPath).length, 3);
  locker.exec("ROLLBACK");
  locker.close();
  // ...and a torn last line from a write cut short.
  await Deno.writeTextFile(t.spoolPath, '{"id":"torn","start', { append: true });

  const store = openStore({ path: t.path, spoolPath: t.spoolPath });
  try {
    const s = store.state();
    assert.equal(s.state, "ok");
    assert.equal(s.spooled, 0);
    assert.equal(s.dropped, 1, "the torn line is counted as dropped");
    assert.deepEqual(spoolLines(t.spoolPath), []);
    assert.deepEqual(store.listCalls().calls.map((c) => c.id).sort(), ["a", "b", "c"]);
  } finally {
    await store.close();
    await t.cleanup();
  }
});

Deno.test("openStore: queue overflow goes to the spool, and is written on the next flush", async () => {
  const t = await tempPaths();
  const clock = fakeTimers();
  const store = openStore({
    path: t.path,
    spoolPath: t.spoolPath,
    queueCap: 10,
    deps: { timers: clock.timers },
  });
  try {
    for (let i = 0; i < 25; i++) store.enqueue(makeRecord());
    assert.equal(store.state().queued, 10);
    assert.equal(store.state().spooled, 15);
    await store.flush();
    assert.deepEqual(counts(store.state()), {
      state: "ok",
      queued: 0,
      spooled: 0,
      dropped: 0,
      memoryOnly: 0,
    });
    assert.equal(store.listCalls().calls.length, 25);
  } finally {
    await store.close();
    await t.cleanup();
  }
});

Deno.test("openStore: a full spool keeps rows in memory up to the cap, then drops and counts them", async () => {
  const t = await tempPaths();
  const clock = fakeTimers();
  const lineBytes = JSON.stringify(callToDbRow(makeRecord({ id: "x" }))).length + 1;
  const store = openStore({
    path: t.path,
    spoolPath: t.spoolPath,
    busyTimeoutMs: 5,
    spoolCapBytes: lineBytes * 3 + 10,
    queueCap: 5,
    deps: { timers: clock.timers },
  });
  const locker = new DatabaseSync(t.path);
  try {
    locker.exec("BEGIN EXCLUSIVE");
    for (let i = 0; i < 3; i++) store.enqueue(makeRecord({ id: `r${i}` }));
    await store.flush();
    assert.deepEqual(counts(store.state()), {
      state: "degraded",
      queued: 0,
      spooled: 3,
      dropped: 0,
      memoryOnly: 0,
    });
    for (let i = 3; i < 10; i++) store.enqueue(makeRecord({ id: `r${i}` }));
    const s = store.state();
    assert.deepEqual(counts(s), {
      state: "degraded",
      queued: 5,
      spooled: 3,
      dropped: 2,
      memoryOnly: 5,
    });
    assert.match(s.lastError ?? "", /rows are being dropped/);
    locker.exec("ROLLBACK");

    store.enqueue(makeRecord({ id: "bad", startedAt: Number.NaN }));
    await store.flush(); // the queue is full: "good" would be dropped before this flush
    store.enqueue(makeRecord({ id: "good" }));
    await store.flush();
    assert.equal(store.state().state, "ok");
    assert.equal(store.state().dropped, 3);
    assert.deepEqual(
      store.listCalls({ limit: 20 }).calls.map((c) => c.id).sort(),
      ["good", "r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7"],
    );
  } finally {
    if (locker.isTransaction) locker.exec("ROLLBACK");
    locker.close();
    await store.close();
    await t.cleanup();
  }
});

Deno.test("openStore: enqueue after close is spooled for the next run", async () => {
  const t = await tempPaths();
  const store = openStore({ path: t.path, spoolPath: t.spoolPath });
  await store.close();
  store.enqueue(makeRecord({ id: "late" }));
  assert.equal(spoolLines(t.spoolPath).length, 1);
  const next = openStore({ path: t.path, spoolPath: t.spoolPath });
  try {
    assert.deepEqual(next.listCalls().calls.map((c) => c.id), ["late"]);
  } finally {
    await next.close();
    await t.cleanup();
  }
});
