import assert from "node:assert/strict";
import { BudgetLedger, type LoadBuckets } from "./budget_ledger.ts";
import type { SpendBucket } from "./budget_tally.ts";
import { type CompiledBudget, compilePolicy } from "./compile_policy.ts";
import type { BudgetSpec } from "./policy_schema.ts";
import type { CallFacts, SpendFact } from "./types.ts";

const NOW = Date.parse("2026-03-11T12:00:00Z");
const MIN = 60_000;

function budgets(...specs: BudgetSpec[]): CompiledBudget[] {
  return compilePolicy({ budgets: specs }, "UTC").budgets;
}

const FACTS: CallFacts = {
  provider: "anthropic",
  host: "api.anthropic.com",
  endpoint: "messages",
  model: "claude-sonnet-4-5",
  project: "halton",
  client: "claude-code",
  key: "a1b2c3d4",
};

function spend(over: Partial<SpendFact> = {}): SpendFact {
  return { ...FACTS, startedAt: NOW - MIN, costUsd: 0.5, tokens: 1000, ...over };
}

/** A loader that returns fixed buckets and remembers what it was asked. */
function loader(buckets: SpendBucket[] = []) {
  const calls: { id: string; since: number }[] = [];
  const load: LoadBuckets = (b, since) => {
    calls.push({ id: b.id, since });
    return buckets;
  };
  return { load, calls };
}

const failing: LoadBuckets = () => {
  throw new Error("database is locked");
};

Deno.test("BudgetLedger: budgets with the same window and scope share one tally", () => {
  const ledger = new BudgetLedger();
  const list = budgets(
    { id: "daily-warn", window: "day", cap_usd: 5, on_exceed: "warn" },
    { id: "daily-block", window: "day", cap_usd: 10 },
    { id: "opus-day", window: "day", cap_usd: 2, scope: { model: "*opus*" } },
    { id: "five-hours", window: "5h", cap_usd: 3 },
  );
  const { load, calls } = loader();
  assert.equal(ledger.setBudgets(list, NOW, load), null);
  assert.equal(calls.length, 3, "one load per distinct tally");
  assert.equal(ledger.tally(list[0]), ledger.tally(list[1]));
  assert.notEqual(ledger.tally(list[0]), ledger.tally(list[2]));
  assert.notEqual(ledger.tally(list[0]), ledger.tally(list[3]));
  // The loader is asked from the window's start.
  assert.deepEqual(calls.map((c) => [c.id, new Date(c.since).toISOString()]), [
    ["daily-warn", "2026-03-11T00:00:00.000Z"],
    ["opus-day", "2026-03-11T00:00:00.000Z"],
    ["five-hours", "2026-03-11T07:00:00.000Z"],
  ]);
  // A call is counted once per tally, however many budgets share it.
  ledger.record(spend(), NOW);
  assert.equal(ledger.tally(list[0])?.totals(NOW).usd, 0.5);
  assert.equal(ledger.tally(list[2])?.totals(NOW).usd, 0, "out of the opus scope");
  assert.equal(ledger.tally(list[3])?.totals(NOW).usd, 0.5);
  assert.deepEqual(ledger.budgets.map((b) => b.id), [
    "daily-warn",
    "daily-block",
    "opus-day",
    "five-hours",
  ]);
});

Deno.test("BudgetLedger: a different time zone or scope is a different identity", () => {
  const a = budgets({ id: "a", window: "day", cap_usd: 1, time_zone: "Asia/Tokyo" })[0];
  const b = budgets({ id: "b", window: "day", cap_usd: 1, time_zone: "Europe/Paris" })[0];
  const c = budgets({ id: "c", window: "day", cap_usd: 1, scope: { project: "x" } })[0];
  const d = budgets({ id: "d", window: "day", cap_usd: 99, warn_at: 0.5 })[0];
  const e = budgets({ id: "e", window: "day", cap_tokens: 10 })[0];
  // Rolling windows do not depend on a zone.
  const r1 = budgets({ id: "r1", window: "5h", cap_usd: 1, time_zone: "Asia/Tokyo" })[0];
  const r2 = budgets({ id: "r2", window: "5h", cap_usd: 1 })[0];
  assert.notEqual(a.identity, b.identity);
  assert.notEqual(a.identity, c.identity);
  assert.equal(d.identity, e.identity, "caps and thresholds do not change the totals");
  assert.equal(r1.identity, r2.identity);
});

Deno.test("BudgetLedger: a reload keeps unchanged tallies and loads only new ones", () => {
  const ledger = new BudgetLedger();
  const first = budgets(
    { id: "daily", window: "day", cap_usd: 5 },
    { id: "hourly", window: "1h", cap_usd: 1 },
  );
  const l1 = loader();
  ledger.setBudgets(first, NOW, l1.load);
  ledger.record(spend({ costUsd: 2 }), NOW);
  const dailyTally = ledger.tally(first[0]);
  // The cap changed, the hourly budget is gone, a weekly one is new.
  const second = budgets(
    { id: "daily", window: "day", cap_usd: 50 },
    { id: "weekly", window: "week", cap_usd: 100 },
  );
  const m = Math.floor(NOW / MIN) - 60;
  const l2 = loader([{ minute: m, usd: 7, tokens: 70, calls: 1 }]);
  assert.equal(ledger.setBudgets(second, NOW + 1000, l2.load), null);
  assert.deepEqual(l2.calls.map((c) => c.id), ["weekly"], "only the new identity is loaded");
  assert.equal(ledger.tally(second[0]), dailyTally, "the same tally object is kept");
  assert.equal(ledger.tally(second[0])?.totals(NOW).usd, 2, "with its running total");
  assert.equal(ledger.tally(second[1])?.totals(NOW).usd, 7, "the new one from the loader");
  assert.equal(ledger.tally(first[1]), undefined, "the removed budget's tally is dropped");
  // Put the hourly one back: it is loaded afresh, not resurrected.
  const l3 = loader();
  ledger.setBudgets(first, NOW, l3.load);
  assert.deepEqual(l3.calls.map((c) => c.id), ["hourly"]);
  assert.equal(ledger.tally(first[1])?.totals(NOW).usd, 0);
});

Deno.test("BudgetLedger: a throwing loader marks the budget failed; retry recovers", () => {
  const ledger = new BudgetLedger();
  const list = budgets(
    { id: "daily", window: "day", cap_usd: 5 },
    { id: "daily-too", window: "day", cap_usd: 7 },
    { id: "weekly", window: "week", cap_usd: 20 },
  );
  const error = ledger.setBudgets(list, NOW, failing);
  assert.equal(
    error,
    'Cannot read budget totals for "daily" from the database: database is locked',
  );
  assert.ok(ledger.failed.has(list[0].identity));
  assert.ok(ledger.failed.has(list[2].identity));
  // Still failing: the first error again.
  assert.match(ledger.retry(NOW, failing) ?? "", /"daily".*database is locked/);
  assert.equal(ledger.failed.size, 2);
  const m = Math.floor(NOW / MIN) - 5;
  const ok = loader([{ minute: m, usd: 3, tokens: 300, calls: 3 }]);
  assert.equal(ledger.retry(NOW, ok.load), null);
  assert.equal(ledger.failed.size, 0);
  assert.deepEqual(ok.calls.map((c) => c.id), ["daily", "weekly"]);
  assert.equal(ledger.tally(list[0])?.totals(NOW).usd, 3);
  assert.equal(ledger.tally(list[2])?.totals(NOW).usd, 3);
  // Nothing failed: retry does nothing.
  const none = loader();
  assert.equal(ledger.retry(NOW, none.load), null);
  assert.equal(none.calls.length, 0);
});

Deno.test("BudgetLedger: a reload does not forget that a kept budget's totals were never read", () => {
  const ledger = new BudgetLedger();
  const list = budgets({ id: "daily", window: "day", cap_usd: 5 });
  assert.notEqual(ledger.setBudgets(list, NOW, failing), null);
  assert.ok(ledger.failed.has(list[0].identity));
  // An unrelated edit (a message) reloads the same budget while the database still fails:
  // its totals are still unknown, so it must stay failed rather than count from zero.
  const edited = budgets({ id: "daily", window: "day", cap_usd: 5, message: "ask Ann" });
  assert.match(ledger.setBudgets(edited, NOW, failing) ?? "", /database is locked/);
  assert.ok(ledger.failed.has(edited[0].identity));
  // Once the database answers, a reload reads the totals.
  const m = Math.floor(NOW / MIN) - 5;
  const ok = loader([{ minute: m, usd: 4, tokens: 0, calls: 1 }]);
  assert.equal(ledger.setBudgets(edited, NOW, ok.load), null);
  assert.equal(ledger.failed.size, 0);
  assert.equal(ledger.tally(edited[0])?.totals(NOW).usd, 4);
});

Deno.test("BudgetLedger: reservations add the estimate and settle once", () => {
  const ledger = new BudgetLedger();
  const list = budgets(
    { id: "daily", window: "day", cap_usd: 5 },
    { id: "daily-same", window: "day", cap_usd: 9 },
    { id: "opus", window: "day", cap_usd: 5, scope: { model: "*opus*" } },
    { id: "sonnet", window: "5h", cap_usd: 5, scope: { model: "*sonnet*" } },
  );
  ledger.setBudgets(list, NOW, loader().load);
  ledger.record(spend({ costUsd: 0.25, tokens: 100 }), NOW);
  ledger.record(spend({ costUsd: 0.75, tokens: 300 }), NOW);
  const daily = ledger.tally(list[0]);
  const sonnet = ledger.tally(list[3]);
  assert.deepEqual(daily?.estimate(), { usd: 0.5, tokens: 200 });

  const r1 = ledger.reserve(FACTS);
  assert.equal(r1.tallies.length, 2, "daily (shared) and sonnet; not opus");
  assert.deepEqual(r1.usd, [0.5, 0.5]);
  assert.equal(daily?.reservedUsd, 0.5);
  assert.equal(daily?.reservedTokens, 200);
  assert.equal(daily?.inFlight, 1);
  const r2 = ledger.reserve(FACTS);
  assert.equal(daily?.reservedUsd, 1);
  assert.equal(daily?.inFlight, 2);
  assert.equal(sonnet?.inFlight, 2);

  ledger.settle(r1);
  assert.equal(r1.settled, true);
  assert.equal(daily?.reservedUsd, 0.5);
  assert.equal(daily?.inFlight, 1);
  ledger.settle(r1); // twice: no-op
  assert.equal(daily?.reservedUsd, 0.5);
  assert.equal(daily?.inFlight, 1);
  ledger.settle(r2);
  assert.equal(daily?.reservedUsd, 0);
  assert.equal(daily?.reservedTokens, 0);
  assert.equal(daily?.inFlight, 0);
  assert.equal(sonnet?.inFlight, 0);
});

Deno.test("BudgetLedger: the reservation returns what it took even if the estimate moved", () => {
  const ledger = new BudgetLedger();
  const list = budgets({ id: "daily", window: "day", cap_usd: 5 });
  ledger.setBudgets(list, NOW, loader().load);
  ledger.record(spend({ costUsd: 1, tokens: 10 }), NOW);
  const r = ledger.reserve(FACTS);
  ledger.record(spend({ costUsd: 3, tokens: 30 }), NOW); // the estimate is now 2
  const r2 = ledger.reserve(FACTS);
  const t = ledger.tally(list[0]);
  assert.equal(t?.reservedUsd, 3);
  ledger.settle(r);
  assert.equal(t?.reservedUsd, 2);
  ledger.settle(r2);
  assert.equal(t?.reservedUsd, 0);
});

Deno.test("BudgetLedger: reservations survive a reload and a retry of the totals", () => {
  const ledger = new BudgetLedger();
  const list = budgets({ id: "daily", window: "day", cap_usd: 5 });
  ledger.setBudgets(list, NOW, failing);
  const r = ledger.reserve(FACTS);
  const t = ledger.tally(list[0]);
  assert.equal(t?.inFlight, 1);
  ledger.retry(NOW, loader([{ minute: Math.floor(NOW / MIN), usd: 1, tokens: 1, calls: 1 }]).load);
  assert.equal(t?.inFlight, 1, "the load kept the call in flight");
  ledger.settle(r);
  assert.equal(t?.inFlight, 0);
});

Deno.test("BudgetLedger: non-billable endpoints are not reserved", () => {
  const ledger = new BudgetLedger();
  const list = budgets({ id: "daily", window: "day", cap_usd: 5 });
  ledger.setBudgets(list, NOW, loader().load);
  for (const endpoint of ["count_tokens", "other", "models", "embeddings"]) {
    const r = ledger.reserve({ ...FACTS, endpoint });
    assert.equal(r.tallies.length, 0, endpoint);
    ledger.settle(r);
  }
  assert.equal(ledger.tally(list[0])?.inFlight, 0);
  for (const endpoint of ["messages", "chat_completions", "responses", "generate_content"]) {
    const r = ledger.reserve({ ...FACTS, endpoint });
    assert.equal(r.tallies.length, 1, endpoint);
    ledger.settle(r);
  }
});

Deno.test("BudgetLedger: record counts spend in scope; only billable calls move the estimate", () => {
  const ledger = new BudgetLedger();
  const list = budgets(
    { id: "halton", window: "day", cap_usd: 5, scope: { project: "halton" } },
    { id: "by-response", window: "day", cap_usd: 5, scope: { model: "claude-opus-4-1-*" } },
  );
  ledger.setBudgets(list, NOW, loader().load);
  ledger.record(spend({ costUsd: 1, tokens: 10 }), NOW);
  ledger.record(spend({ project: "other", costUsd: 100 }), NOW);
  ledger.record(spend({ project: null, costUsd: 100 }), NOW);
  // A non-billable call with tokens counts its spend but not as a call with usage.
  ledger.record(spend({ endpoint: "count_tokens", costUsd: 0, tokens: 50 }), NOW);
  // An unpriced call with no tokens is not a sample either.
  ledger.record(spend({ costUsd: 0, tokens: 0 }), NOW);
  const t = ledger.tally(list[0])?.totals(NOW);
  assert.deepEqual([t?.usd, t?.tokens, t?.calls], [1, 60, 1]);
  assert.deepEqual(ledger.tally(list[0])?.estimate(), { usd: 1, tokens: 10 });
  // The model scope also matches the model the response named.
  ledger.record(
    spend({ model: "claude-opus-4-1", responseModel: "claude-opus-4-1-20250805", costUsd: 2 }),
    NOW,
  );
  assert.equal(ledger.tally(list[1])?.totals(NOW).usd, 2);
});
