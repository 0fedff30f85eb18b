import assert from "node:assert/strict";
import { makeRecord } from "./_test_record.ts";
import { tempPaths } from "./_test_helpers.ts";
import { openStore } from "./open_store.ts";
import type { Store } from "./types.ts";

const DAY1 = Date.UTC(2025, 5, 1, 12);
const DAY2 = Date.UTC(2025, 5, 2, 23, 30);

async function withSeeded(fn: (store: Store) => void): Promise<void> {
  const t = await tempPaths();
  const store = openStore({ path: t.path, spoolPath: t.spoolPath });
  try {
    const priced = (id: string, startedAt: number, project: string | null, usd: number) => {
      const r = makeRecord({ id, startedAt, project });
      r.cost.totalUsd = usd;
      return r;
    };
    store.enqueue(priced("p1", DAY1, "alpha", 1.5));
    store.enqueue(priced("p2", DAY1 + 1000, "alpha", 0.25));
    store.enqueue(priced("p3", DAY2, null, 2));
    const unpriced = makeRecord({ id: "u1", startedAt: DAY2, project: "beta", client: "curl" });
    unpriced.cost.totalUsd = null;
    unpriced.cost.unpricedReason = "unpriced";
    unpriced.usage.responseModel = null;
    unpriced.requestModel = "mystery-1";
    store.enqueue(unpriced);
    const free = makeRecord({
      id: "f1",
      startedAt: DAY2,
      project: "beta",
      endpoint: "count_tokens",
    });
    free.cost.totalUsd = null;
    free.usage.completeness = "none";
    free.usage.inputTokens = null;
    store.enqueue(free);
    const selfTest = makeRecord({ id: "s1", startedAt: DAY1, project: "alpha", selfTest: true });
    selfTest.cost.totalUsd = 100;
    store.enqueue(selfTest);
    await store.flush();
    fn(store);
  } finally {
    await store.close();
    await t.cleanup();
  }
}

Deno.test("summarize: by project sums tokens and cost; self-test rows left out", () =>
  withSeeded((store) => {
    const rows = store.summarize({ groupBy: "project" });
    assert.deepEqual(rows.map((r) => [r.key, r.calls, r.cost_usd, r.unpriced_calls]), [
      [null, 1, 2, 0],
      ["alpha", 2, 1.75, 0],
      ["beta", 2, 0, 1], // count_tokens has no usage, so it is not "unpriced"
    ]);
    const alpha = rows[1];
    assert.equal(alpha.input_tokens, 2400);
    assert.equal(alpha.output_tokens, 680);
    assert.equal(alpha.cache_read_tokens, 1600);
    assert.equal(alpha.cache_write_tokens, 300);
    assert.equal(alpha.reasoning_tokens, 80);
    const withSelfTest = store.summarize({ groupBy: "project", includeSelfTest: true });
    assert.equal(withSelfTest.find((r) => r.key === "alpha")?.calls, 3);
  }));

Deno.test("summarize: by day in UTC or with an offset; filters apply", () =>
  withSeeded((store) => {
    assert.deepEqual(
      store.summarize({ groupBy: "day" }).map((r) => [r.key, r.calls]),
      [["2025-06-01", 2], ["2025-06-02", 3]],
    );
    assert.deepEqual(
      store.summarize({ groupBy: "day", utcOffsetMinutes: 60 }).map((r) => [r.key, r.calls]),
      [["2025-06-01", 2], ["2025-06-03", 3]],
    );
    assert.deepEqual(
      store.summarize({ groupBy: "day", project: "alpha", since: DAY1 + 1 }).map((
        r,
      ) => [r.key, r.calls]),
      [["2025-06-01", 1]],
    );
  }));

Deno.test("summarize: by model prefers the response model; by client and provider", () =>
  withSeeded((store) => {
    const models = store.summarize({ groupBy: "model" }).map((r) => [r.key, r.calls]);
    assert.deepEqual(models, [["claude-sonnet-4-5-20250929", 4], ["mystery-1", 1]]);
    const clients = store.summarize({ groupBy: "client" }).map((r) => [r.key, r.calls]);
    assert.deepEqual(clients, [["claude-code", 4], ["curl", 1]]);
    const providers = store.summarize({ groupBy: "provider" }).map((r) => [r.key, r.calls]);
    assert.deepEqual(providers, [["anthropic", 5]]);
  }));
