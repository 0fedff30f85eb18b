import assert from "node:assert/strict";
import { makeRecord } from "./_test_record.ts";
import { tempPaths } from "./_test_helpers.ts";
import { decodeCursor, encodeCursor } from "./cursor.ts";
import { openStore } from "./open_store.ts";
import type { Store } from "./types.ts";

const T0 = Date.UTC(2025, 5, 1);

async function withStore(fn: (store: Store) => void | Promise<void>): Promise<void> {
  const t = await tempPaths();
  const store = openStore({ path: t.path, spoolPath: t.spoolPath });
  try {
    await fn(store);
  } finally {
    await store.close();
    await t.cleanup();
  }
}

function seed(store: Store): void {
  store.enqueue(makeRecord({ id: "a1", startedAt: T0, project: "alpha", provider: "anthropic" }));
  store.enqueue(
    makeRecord({ id: "a2", startedAt: T0 + 1000, project: "alpha", provider: "openai" }),
  );
  const b = makeRecord({ id: "b1", startedAt: T0 + 2000, project: "beta", requestModel: "gpt-5" });
  b.usage.responseModel = "gpt-5-2025-08-07";
  store.enqueue(b);
  store.enqueue(makeRecord({ id: "st", startedAt: T0 + 3000, project: "alpha", selfTest: true }));
}

Deno.test("listCalls: newest first; self-test rows only on request", () =>
  withStore(async (store) => {
    seed(store);
    await store.flush();
    assert.deepEqual(store.listCalls().calls.map((c) => c.id), ["b1", "a2", "a1"]);
    assert.deepEqual(
      store.listCalls({ includeSelfTest: true }).calls.map((c) => c.id),
      ["st", "b1", "a2", "a1"],
    );
  }));

Deno.test("listCalls: since is inclusive, until exclusive; project, provider, model filters", () =>
  withStore(async (store) => {
    seed(store);
    await store.flush();
    const ids = (f: Parameters<Store["listCalls"]>[0]) => store.listCalls(f).calls.map((c) => c.id);
    assert.deepEqual(ids({ since: T0 + 1000 }), ["b1", "a2"]);
    assert.deepEqual(ids({ until: T0 + 1000 }), ["a1"]);
    assert.deepEqual(ids({ since: T0 + 1000, until: T0 + 2000 }), ["a2"]);
    assert.deepEqual(ids({ project: "alpha" }), ["a2", "a1"]);
    assert.deepEqual(ids({ provider: "openai" }), ["a2"]);
    assert.deepEqual(ids({ model: "gpt-5" }), ["b1"], "matches the requested model");
    assert.deepEqual(ids({ model: "gpt-5-2025-08-07" }), ["b1"], "matches the response model");
    assert.deepEqual(ids({ model: "gpt" }), [], "exact match, not prefix");
    assert.deepEqual(ids({ project: "nope" }), []);
  }));

Deno.test("listCalls: cursor pages cover every row once, ties broken by id", () =>
  withStore(async (store) => {
    // Groups of equal started_at so pages end inside a tie.
    for (let i = 0; i < 25; i++) {
      store.enqueue(makeRecord({ id: `r${String(i).padStart(2, "0")}`, startedAt: T0 + (i % 4) }));
    }
    await store.flush();
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = store.listCalls({ limit: 7, cursor });
      seen.push(...page.calls.map((c) => c.id));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor !== undefined && pages < 10);
    assert.equal(pages, 4);
    const all = store.listCalls({ limit: 100 }).calls.map((c) => c.id);
    assert.deepEqual(seen, all);
    assert.equal(new Set(seen).size, 25);
    // Order is started_at DESC then id DESC.
    assert.deepEqual(seen.slice(0, 3), ["r23", "r19", "r15"]);
  }));

Deno.test("listCalls: last page has a null cursor; limit is clamped; bad cursor throws", () =>
  withStore(async (store) => {
    seed(store);
    await store.flush();
    assert.equal(store.listCalls({ limit: 3 }).nextCursor, null);
    assert.equal(store.listCalls({ limit: 0 }).calls.length, 1);
    assert.throws(() => store.listCalls({ cursor: "garbage!" }), RangeError);
  }));

Deno.test("cursor: encodes and decodes; rejects anything else", () => {
  const c = { startedAt: T0, id: "ünïcode/+id" };
  const text = encodeCursor(c);
  assert.match(text, /^[A-Za-z0-9_-]+$/);
  assert.deepEqual(decodeCursor(text), c);
  for (const bad of ["", "!!", btoa("[1]"), btoa('["x","y"]'), btoa("{}"), "e30"]) {
    assert.equal(decodeCursor(bad), null, bad);
  }
});
