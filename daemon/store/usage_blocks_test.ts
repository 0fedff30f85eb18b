import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { emptyUsage } from "../../core/usage.ts";
import { insertCalls } from "./insert_calls.ts";
import { makeRecord } from "./_test_record.ts";
import { type BlockCall, cutBlocks, usageBlocks } from "./usage_blocks.ts";

const at = (hm: string, day = "2026-03-11") => Date.parse(`${day}T${hm}:00Z`);
const iso = (ms: number) => new Date(ms).toISOString().slice(11, 16);

function call(hm: string, over: Partial<BlockCall> = {}): BlockCall {
  return {
    at: at(hm),
    lastAt: at(hm),
    calls: 1,
    model: "claude-sonnet-4-5",
    input: 1000,
    output: 100,
    cacheRead: 0,
    cacheWrite: 0,
    cost: 0.01,
    unpriced: 0,
    reset: null,
    utilization: null,
    ...over,
  };
}

const spans = (calls: BlockCall[], now = at("23:59")) =>
  cutBlocks(calls, now).map((b) => [iso(b.start), iso(b.end), b.aligned, b.calls]);

Deno.test("blocks without reset headers: from the first call rounded down to the hour, 5 hours", () => {
  assert.deepEqual(
    spans([call("10:23"), call("11:00"), call("14:59"), call("15:10"), call("22:40")]),
    [
      ["10:00", "15:00", "first_call", 3],
      ["15:00", "20:00", "first_call", 1],
      ["22:00", "03:00", "first_call", 1],
    ],
  );
});

Deno.test("blocks aligned to Anthropic's resets, to the second; the others fit around them", () => {
  const reset = at("16:40"); // a window 11:40-16:40, not on the hour
  const r2 = at("21:40");
  assert.deepEqual(
    spans([
      call("11:20"), // before the window: its own block from 11:00, cut where the window starts
      call("11:50", { reset }),
      call("12:30"), // no header (an API-key call), inside the window: counted in it
      call("16:30", { reset: reset + 1500 }), // drift of 1.5 s: the same window
      call("16:45", { reset: r2 }),
      call("21:50"), // after both: from the end of the last window, not from 21:00
    ]),
    [
      ["11:00", "11:40", "first_call", 1],
      ["11:40", "16:40", "anthropic_reset", 3],
      ["16:40", "21:40", "anthropic_reset", 1],
      ["21:40", "02:40", "first_call", 1],
    ],
  );
});

Deno.test("the active block has a burn rate since its first call and a projection to its end", () => {
  const blocks = cutBlocks([
    call("14:10", {
      cost: 0.5,
      input: 10_000,
      output: 2_000,
      utilization: 0.1,
      reset: at("19:00"),
    }),
    call("15:10", {
      cost: 0.5,
      input: 10_000,
      output: 2_000,
      utilization: 0.25,
      reset: at("19:00"),
    }),
    call("15:20", { cost: 0, unpriced: 1, model: "mystery" }),
  ], at("16:10"));
  assert.equal(blocks.length, 1);
  const b = blocks[0];
  assert.equal(b.active, true);
  assert.equal(b.cost_usd, 1);
  assert.equal(b.unpriced_calls, 1);
  assert.equal(b.total_tokens, 25_100);
  assert.equal(b.utilization, 0.25);
  assert.deepEqual(b.models, ["claude-sonnet-4-5", "mystery"]);
  // $1 over the 2 hours since 14:10: $0.50/h; 2 h 50 m left to 19:00: $2.42 by then.
  assert.deepEqual(b.burn, { usd_per_hour: 0.5, tokens_per_minute: Math.round(25_100 / 120) });
  assert.equal(b.projection?.cost_usd, Math.round((1 + 0.5 * 170 / 60) * 1e9) / 1e9);
  assert.equal(b.projection?.total_tokens, Math.round(25_100 + (25_100 / 120) * 170));
  const past = cutBlocks([call("01:00")], at("16:10"))[0];
  assert.equal(past.active, false);
  assert.equal(past.burn, null);
  assert.equal(past.projection, null);
});

Deno.test("usageBlocks reads the reset from rows' rate-limit headers; model calls only", () => {
  const db = new DatabaseSync(":memory:");
  const row = (hm: string, over: Parameters<typeof makeRecord>[0] = {}) =>
    makeRecord({ startedAt: at(hm), endedAt: at(hm) + 500, policy: null, ...over });
  insertCalls(db, [
    row("09:10", { rateLimit: null }),
    row("12:05", {
      rateLimit: {
        "anthropic-ratelimit-unified-5h-reset": String(at("17:00") / 1000),
        "anthropic-ratelimit-unified-5h-utilization": "0.42",
      },
    }),
    row("12:06", { endpoint: "other", usage: emptyUsage(), rateLimit: null }),
    row("12:07", { policy: { action: "block", id: "rule:x", message: "no" } }),
    row("12:08", { selfTest: true }),
  ]);
  // A snapshot that is not JSON (hand-edited) is ignored, not an error.
  db.exec(
    `UPDATE calls SET rate_limit_json = '{not json' WHERE started_at = ${at("09:10")}`,
  );
  const blocks = usageBlocks(db, { since: at("00:00"), now: at("13:00") });
  assert.deepEqual(blocks.map((b) => [iso(b.start), iso(b.end), b.aligned, b.calls]), [
    ["09:00", "12:00", "first_call", 1],
    ["12:00", "17:00", "anthropic_reset", 1],
  ]);
  assert.equal(blocks[1].utilization, 0.42);
  assert.equal(blocks[1].active, true);
  // A block that ended before `since` is left out; one still running at `since` is whole.
  const later = usageBlocks(db, { since: at("13:00"), now: at("13:00") });
  assert.deepEqual(later.map((b) => iso(b.start)), ["12:00"]);
});
