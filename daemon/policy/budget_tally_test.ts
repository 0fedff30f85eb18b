import assert from "node:assert/strict";
import { BudgetTally } from "./budget_tally.ts";
import { parseWindow } from "./budget_window.ts";

const MIN = 60_000;
const HOUR = 60 * MIN;
const iso = (text: string) => Date.parse(text);

function sums(t: BudgetTally, now: number) {
  const { usd, tokens, calls } = t.totals(now);
  return { usd, tokens, calls };
}

Deno.test("BudgetTally: a calendar day empties exactly at the reset", () => {
  const t = new BudgetTally(parseWindow("day", "UTC"));
  const reset = iso("2026-03-12T00:00:00Z");
  t.add(iso("2026-03-11T09:00:00Z"), 0.5, 1000, true, iso("2026-03-11T09:00:01Z"));
  t.add(reset - 1, 0.25, 500, true, reset - 1);
  assert.deepEqual(sums(t, reset - 1), { usd: 0.75, tokens: 1500, calls: 2 });
  const before = t.totals(reset - 1);
  assert.equal(before.start, iso("2026-03-11T00:00:00Z"));
  assert.equal(before.end, reset);
  const after = t.totals(reset);
  assert.deepEqual({ usd: after.usd, tokens: after.tokens, calls: after.calls }, {
    usd: 0,
    tokens: 0,
    calls: 0,
  });
  assert.equal(after.start, reset);
  assert.equal(after.end, iso("2026-03-13T00:00:00Z"));
  // The first call of the new day counts there.
  t.add(reset, 0.125, 10, true, reset + 5);
  assert.deepEqual(sums(t, reset + 10), { usd: 0.125, tokens: 10, calls: 1 });
});

Deno.test("BudgetTally: a calendar week in a zone resets at local Monday midnight", () => {
  const t = new BudgetTally(parseWindow("week", "Asia/Tokyo"));
  // Monday 2026-03-16 00:00 in Tokyo is 2026-03-15T15:00Z.
  const reset = iso("2026-03-15T15:00:00Z");
  t.add(reset - 10 * MIN, 1, 1, true, reset - 10 * MIN);
  assert.equal(t.totals(reset - 1).usd, 1);
  assert.equal(t.totals(reset).usd, 0);
});

Deno.test("BudgetTally: spend from before the window, or after a calendar window, is ignored", () => {
  const t = new BudgetTally(parseWindow("day", "UTC"));
  const start = iso("2026-03-11T00:00:00Z");
  const now = start + 30_000;
  // A call that started a second before midnight and was recorded after it: yesterday's.
  t.add(start - 1000, 5, 5, true, now);
  t.add(start - 1, 5, 5, true, now);
  assert.deepEqual(sums(t, now), { usd: 0, tokens: 0, calls: 0 });
  t.add(start, 1, 1, true, now);
  assert.deepEqual(sums(t, now), { usd: 1, tokens: 1, calls: 1 });
  // A start time past the window's end (clock skew) is not counted in this window.
  t.add(iso("2026-03-12T00:00:00Z"), 7, 7, true, now);
  assert.deepEqual(sums(t, now), { usd: 1, tokens: 1, calls: 1 });

  const r = new BudgetTally(parseWindow("5h", "UTC"));
  const rnow = iso("2026-03-11T12:00:30Z"); // the window starts at 07:00:30
  r.add(iso("2026-03-11T06:59:59.999Z"), 3, 3, true, rnow); // its minute is wholly before it
  assert.deepEqual(sums(r, rnow), { usd: 0, tokens: 0, calls: 0 });
  r.add(iso("2026-03-11T07:00:10Z"), 2, 2, true, rnow); // its minute reaches into the window
  assert.deepEqual(sums(r, rnow), { usd: 2, tokens: 2, calls: 1 });
});

Deno.test("BudgetTally: rolling spend counts until its minute has fully aged out, never less", () => {
  const t = new BudgetTally(parseWindow("30m", "UTC"));
  const at = iso("2026-03-11T10:00:30Z"); // half-way through minute 10:00
  t.add(at, 1.5, 100, true, at);
  // Exactly 30 minutes after the call it still counts ...
  assert.equal(t.totals(at + 30 * MIN).usd, 1.5);
  // ... and until its whole minute (10:00-10:01) is more than 30 minutes old.
  const gone = iso("2026-03-11T10:31:00Z");
  assert.equal(t.totals(gone - 1).usd, 1.5);
  assert.deepEqual(sums(t, gone), { usd: 0, tokens: 0, calls: 0 });

  // A call at the very start of a minute is held the least (exactly the window plus a minute).
  const u = new BudgetTally(parseWindow("5h", "UTC"));
  const a = iso("2026-03-11T10:00:00Z");
  u.add(a, 1, 1, true, a);
  assert.equal(u.totals(a + 5 * HOUR + MIN - 1).usd, 1);
  assert.equal(u.totals(a + 5 * HOUR + MIN).usd, 0);

  // Property: for any call time and any `now`, the call counts whenever it is within the window.
  const w = new BudgetTally(parseWindow("7m", "UTC"));
  const base = iso("2026-03-11T00:00:00Z");
  for (let i = 0; i < 200; i++) {
    const callAt = base + i * 7919;
    w.add(callAt, 1, 1, true, callAt);
    for (const age of [0, 1, 7 * MIN - 1, 7 * MIN]) {
      const t2 = new BudgetTally(parseWindow("7m", "UTC"));
      t2.add(callAt, 1, 1, true, callAt);
      assert.equal(t2.totals(callAt + age).usd, 1, `age ${age} of a call at ${callAt}`);
    }
  }
});

Deno.test("BudgetTally: buckets age out one by one, oldest first", () => {
  const t = new BudgetTally(parseWindow("10m", "UTC"));
  const base = iso("2026-03-11T10:00:00Z");
  for (let i = 0; i < 10; i++) t.add(base + i * MIN, 1, 10, true, base + i * MIN);
  assert.deepEqual(sums(t, base + 10 * MIN - 1), { usd: 10, tokens: 100, calls: 10 });
  for (let k = 1; k <= 10; k++) {
    assert.equal(t.totals(base + 10 * MIN + k * MIN).usd, 10 - k, `after ${k} minutes`);
  }
});

Deno.test("BudgetTally: out-of-order adds go into their own minute", () => {
  const t = new BudgetTally(parseWindow("10m", "UTC"));
  const base = iso("2026-03-11T10:00:00Z");
  const now = base + 9 * MIN;
  t.add(base + 5 * MIN, 5, 0, true, now);
  t.add(base + 1 * MIN, 1, 0, true, now); // recorded late: older than the last bucket
  t.add(base + 3 * MIN, 3, 0, true, now);
  t.add(base + 3 * MIN + 59_999, 30, 0, true, now); // same minute as the one before
  t.add(base + 7 * MIN, 7, 0, true, now);
  assert.equal(t.totals(now).usd, 46);
  // Each leaves at its own minute: 10:01 at 10:12, 10:03 at 10:14, 10:05 at 10:16 ...
  assert.equal(t.totals(base + 12 * MIN).usd, 45);
  assert.equal(t.totals(base + 14 * MIN).usd, 12);
  assert.equal(t.totals(base + 16 * MIN).usd, 7);
  assert.equal(t.totals(base + 18 * MIN).usd, 0);
  // spentSince sees the order too.
  const u = new BudgetTally(parseWindow("1h", "UTC"));
  u.add(base + 30 * MIN, 4, 40, true, base + 40 * MIN);
  u.add(base + 10 * MIN, 1, 10, true, base + 40 * MIN);
  u.add(base + 20 * MIN, 2, 20, true, base + 40 * MIN);
  assert.deepEqual(u.spentSince(base + 15 * MIN, base + 40 * MIN), { usd: 6, tokens: 60 });
});

Deno.test("BudgetTally: many minutes of spend stay exact across compaction", () => {
  const t = new BudgetTally(parseWindow("1h", "UTC"));
  const base = iso("2026-03-11T00:00:00Z");
  // 3000 minutes, one call each: the window keeps 60-61 of them; old ones are compacted away.
  for (let i = 0; i < 3000; i++) {
    const at = base + i * MIN;
    t.add(at, 0.5, 2, true, at);
    const { usd, calls } = t.totals(at);
    const expected = Math.min(i + 1, 61);
    assert.equal(calls, expected, `minute ${i}`);
    assert.equal(usd, expected * 0.5);
  }
  assert.equal(t.totals(base + 3000 * MIN + HOUR + MIN).usd, 0);
});

Deno.test("BudgetTally: load replaces the totals and drops buckets already out of the window", () => {
  const t = new BudgetTally(parseWindow("day", "UTC"));
  const now = iso("2026-03-11T12:00:00Z");
  t.add(now - MIN, 100, 100, true, now);
  const m = (text: string) => Math.floor(iso(text) / MIN);
  t.load([
    { minute: m("2026-03-10T23:59:00Z"), usd: 50, tokens: 5000, calls: 5 }, // yesterday
    { minute: m("2026-03-11T01:00:00Z"), usd: 1, tokens: 100, calls: 2 },
    { minute: m("2026-03-11T11:00:00Z"), usd: 3, tokens: 300, calls: 2 },
  ], now);
  assert.deepEqual(sums(t, now), { usd: 4, tokens: 400, calls: 4 });
  // The load seeds the per-call estimate from what it read in the window.
  assert.deepEqual(t.estimate(), { usd: 1, tokens: 100 });
  // Calls after the load add on top.
  t.add(now, 1, 100, true, now);
  assert.deepEqual(sums(t, now), { usd: 5, tokens: 500, calls: 5 });
  // An empty load is zero.
  t.load([], now);
  assert.deepEqual(sums(t, now), { usd: 0, tokens: 0, calls: 0 });
  assert.deepEqual(t.estimate(), { usd: 0, tokens: 0 });
});

Deno.test("BudgetTally: load does not keep references to the caller's buckets", () => {
  const t = new BudgetTally(parseWindow("1h", "UTC"));
  const now = iso("2026-03-11T12:00:00Z");
  const buckets = [{ minute: Math.floor(now / MIN) - 1, usd: 1, tokens: 1, calls: 1 }];
  t.load(buckets, now);
  t.add(now - MIN, 1, 1, true, now);
  assert.equal(buckets[0].usd, 1);
  assert.equal(t.totals(now).usd, 2);
});

Deno.test("BudgetTally: spentSince counts whole minutes from `from` up to now", () => {
  const t = new BudgetTally(parseWindow("day", "UTC"));
  const now = iso("2026-03-11T12:00:00Z");
  t.add(now - 2 * HOUR, 10, 1000, true, now);
  t.add(now - HOUR - 1, 1, 100, true, now); // 10:59:59.999, the minute before the hour
  t.add(now - HOUR + 30_000, 2, 200, true, now); // 11:00:30
  t.add(now - MIN, 4, 400, true, now);
  assert.deepEqual(t.spentSince(now - HOUR, now), { usd: 6, tokens: 600 });
  assert.deepEqual(t.spentSince(now - HOUR + 59_000, now), { usd: 6, tokens: 600 });
  assert.deepEqual(t.spentSince(now - 3 * HOUR, now), { usd: 17, tokens: 1700 });
  assert.deepEqual(t.spentSince(now, now), { usd: 0, tokens: 0 });
});

Deno.test("BudgetTally: freesAt is when aging brings spend back under the caps", () => {
  const t = new BudgetTally(parseWindow("5h", "UTC"));
  const base = iso("2026-03-11T10:00:00Z");
  const now = base + 2 * HOUR;
  t.add(base, 4, 400, true, now); // minute 10:00
  t.add(base + HOUR + 30_000, 3, 300, true, now); // minute 11:00
  t.add(base + 90 * MIN, 2, 200, true, now); // minute 11:30
  // Under the cap already: free now.
  assert.equal(t.freesAt(10, null, now), now);
  // $9 against $8: the 10:00 bucket leaving (15:01) is enough.
  assert.equal(t.freesAt(8, null, now), base + MIN + 5 * HOUR);
  // $9 against $4: 10:00 ($5 left) and 11:00 ($2 left) must both leave: 16:01.
  assert.equal(t.freesAt(4, null, now), base + HOUR + MIN + 5 * HOUR);
  // Tokens can be the binding cap.
  assert.equal(t.freesAt(100, 150, now), base + 90 * MIN + MIN + 5 * HOUR);
  assert.equal(t.freesAt(100, 300, now), base + HOUR + MIN + 5 * HOUR);
  // Spend only reaches zero: a cap of 0 is never freed by aging... (not a valid policy)
  assert.equal(t.freesAt(0, null, now), null);
  // And what freesAt promises is what totals does.
  const at = t.freesAt(4, null, now) ?? 0;
  assert.ok(t.totals(at - 1).usd >= 4);
  assert.ok(t.totals(at).usd < 4);
  // Calendar windows reset at `end` instead.
  const c = new BudgetTally(parseWindow("day", "UTC"));
  c.add(now, 100, 0, true, now);
  assert.equal(c.freesAt(1, null, now), null);
});

Deno.test("BudgetTally: the per-call estimate is the mean of the first calls, then moves", () => {
  const t = new BudgetTally(parseWindow("day", "UTC"));
  const now = iso("2026-03-11T12:00:00Z");
  assert.deepEqual(t.estimate(), { usd: 0, tokens: 0 });
  t.add(now, 1, 100, true, now);
  assert.deepEqual(t.estimate(), { usd: 1, tokens: 100 });
  t.add(now, 3, 300, true, now);
  assert.deepEqual(t.estimate(), { usd: 2, tokens: 200 });
  // A call without usage (no tokens, no price) is spend-free and does not move the estimate.
  t.add(now, 0, 0, false, now);
  assert.deepEqual(t.estimate(), { usd: 2, tokens: 200 });
  assert.equal(t.totals(now).calls, 2);
  for (let i = 0; i < 7; i++) t.add(now, 2, 200, true, now);
  assert.ok(Math.abs(t.estimate().usd - 2) < 1e-12, "mean of 9 calls");
  // From the tenth call it is a moving average weighting the newest by 0.1: one outlier moves
  // it by a tenth of the difference, not to the outlier.
  t.add(now, 102, 200, true, now);
  assert.ok(Math.abs(t.estimate().usd - 12) < 1e-9, `got ${t.estimate().usd}`);
  t.add(now, 12, 200, true, now);
  assert.ok(Math.abs(t.estimate().usd - 12) < 1e-9);
  // Many cheap calls bring it back down.
  for (let i = 0; i < 100; i++) t.add(now, 1, 100, true, now);
  assert.ok(t.estimate().usd < 1.01, `got ${t.estimate().usd}`);
  assert.ok(Math.abs(t.estimate().tokens - 100) < 1);
});

Deno.test("BudgetTally: totals are exactly zero once a window is empty (no float residue)", () => {
  const t = new BudgetTally(parseWindow("1m", "UTC"));
  const base = iso("2026-03-11T12:00:00Z");
  for (let i = 0; i < 10; i++) t.add(base + i * 1000, 0.1, 1, true, base + i * 1000);
  assert.ok(Math.abs(t.totals(base + 30_000).usd - 1) < 1e-12);
  const later = t.totals(base + 3 * MIN);
  assert.equal(later.usd, 0);
  assert.equal(later.tokens, 0);
  assert.equal(later.calls, 0);
});
