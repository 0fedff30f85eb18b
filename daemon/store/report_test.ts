import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import type { CallRecord } from "../../core/call_record.ts";
import { emptyUsage } from "../../core/usage.ts";
import { callToDbRow, COLUMN_NAMES } from "./_db_row.ts";
import { migrate, MIGRATIONS } from "./_migrations.ts";
import { makeRecord } from "./_test_record.ts";
import { periodKey, report, type ReportQuery } from "./report.ts";

const INSERT = `INSERT OR IGNORE INTO calls (${COLUMN_NAMES.join(", ")}) VALUES (${
  COLUMN_NAMES.map(() => "?").join(", ")
})`;

function db(migrations = MIGRATIONS): DatabaseSync {
  const d = new DatabaseSync(":memory:");
  migrate(d, migrations);
  return d;
}

function insert(d: DatabaseSync, records: CallRecord[]) {
  const st = d.prepare(INSERT);
  for (const r of records) {
    const row = callToDbRow(r);
    st.run(...COLUMN_NAMES.map((n) => row[n] ?? null));
  }
}

let n = 0;
function call(at: number, over: Partial<CallRecord> = {}): CallRecord {
  return makeRecord({
    id: `c${String(++n).padStart(6, "0")}`,
    startedAt: at,
    endedAt: at + 100,
    policy: null,
    ...over,
  });
}

const T = Date.UTC(2026, 2, 7, 12); // Saturday 2026-03-07 12:00 UTC; New York's DST starts 03-08

Deno.test("report: model calls by default; other requests and blocked calls counted apart", () => {
  const d = db();
  insert(d, [
    call(T, { endpoint: "messages" }),
    call(T + 1, { endpoint: "other", requestModel: null, usage: emptyUsage() }),
    call(T + 2, {
      endpoint: "messages",
      status: 402,
      usage: emptyUsage(),
      cost: { ...makeRecord().cost, totalUsd: 0 },
      policy: { action: "block", id: "rule:x", message: "no" },
    }),
    call(T + 3, { selfTest: true }),
  ]);
  const r = report(d, { groupBy: ["endpoint"] });
  assert.deepEqual(r.rows.map((x) => [x.keys, x.calls, x.blocked_calls]), [[["messages"], 1, 1]]);
  assert.equal(r.totals.calls, 1);
  assert.equal(r.totals.other_calls, 1);
  assert.equal(r.totals.blocked_calls, 1);
  const all = report(d, { groupBy: ["endpoint"], all: true });
  assert.deepEqual(all.rows.map((x) => [x.keys[0], x.calls]), [["messages", 2], ["other", 1]]);
});

Deno.test("report: days, weeks and months cut in the time zone, across a DST change", () => {
  const d = db();
  // 2026-03-08 00:30 and 23:30 New York (EST, then EDT after 02:00): the same local day.
  const a = Date.UTC(2026, 2, 8, 5, 30);
  const b = Date.UTC(2026, 2, 9, 3, 30);
  // 2026-03-07 23:59 New York: the day before, and the week before (ISO weeks start Monday;
  // 03-07 is a Saturday, 03-09 a Monday).
  const c = Date.UTC(2026, 2, 8, 4, 59);
  const e = Date.UTC(2026, 2, 9, 4, 0); // 2026-03-09 00:00 EDT
  insert(d, [call(a), call(b), call(c), call(e)]);
  const tz = "America/New_York";
  const days = report(d, { groupBy: ["day"], timeZone: tz });
  assert.deepEqual(days.rows.map((r) => [r.keys[0], r.calls]), [
    ["2026-03-07", 1],
    ["2026-03-08", 2],
    ["2026-03-09", 1],
  ]);
  const weeks = report(d, { groupBy: ["week"], timeZone: tz });
  assert.deepEqual(weeks.rows.map((r) => [r.keys[0], r.calls]), [["2026-W10", 3], ["2026-W11", 1]]);
  const utc = report(d, { groupBy: ["day"] });
  assert.deepEqual(utc.rows.map((r) => [r.keys[0], r.calls]), [
    ["2026-03-08", 2],
    ["2026-03-09", 2],
  ]);
  assert.equal(periodKey(a, "month", tz), "2026-03");
  assert.equal(periodKey(Date.UTC(2026, 0, 1, 2), "week", "UTC"), "2026-W01");
  assert.equal(periodKey(Date.UTC(2027, 0, 1, 2), "week", "UTC"), "2026-W53");
  assert.equal(periodKey(a, "hour", tz), "2026-03-08T00");
});

Deno.test("report: a breakdown by several keys; unknown values are null", () => {
  const d = db();
  insert(d, [
    call(T, {
      project: "alpha",
      requestModel: "m1",
      usage: { ...makeRecord().usage, responseModel: null },
    }),
    call(T + 1, {
      project: "alpha",
      requestModel: "m2",
      usage: { ...makeRecord().usage, responseModel: null },
    }),
    call(T + 2, {
      project: null,
      requestModel: "m1",
      usage: { ...makeRecord().usage, responseModel: null },
    }),
  ]);
  const r = report(d, { groupBy: ["project", "model"] });
  assert.deepEqual(r.rows.map((x) => x.keys), [["alpha", "m1"], ["alpha", "m2"], [null, "m1"]]);
  const f = report(d, { groupBy: ["model"], filter: { project: null } });
  assert.deepEqual(f.rows.map((x) => [x.keys[0], x.calls]), [["m1", 1]]);
});

Deno.test("report: sums carry no float noise; input includes the tokens it should", () => {
  const d = db();
  const cost = (usd: number) => ({ ...makeRecord().cost, totalUsd: usd });
  insert(d, [call(T, { cost: cost(0.1) }), call(T + 1, { cost: cost(0.2) })]);
  const r = report(d, { groupBy: [] });
  assert.equal(r.totals.cost_usd, 0.3);
  assert.equal(r.rows[0].cost_usd, 0.3);
  assert.equal(r.totals.input_tokens, 2400);
  assert.equal(r.totals.cache_write_tokens, 300);
});

Deno.test("report: roll-ups and raw rows agree, for any span, to the millisecond", () => {
  const withRollup = db();
  const rawOnly = db(MIGRATIONS.slice(0, 2)); // a database the new binary has not migrated
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const records: CallRecord[] = [];
  for (let i = 0; i < 3000; i++) {
    const at = T + Math.floor(rnd() * 20 * 86_400_000);
    records.push(call(at, {
      project: rnd() < 0.2 ? null : `p${Math.floor(rnd() * 4)}`,
      requestModel: `model-${Math.floor(rnd() * 3)}`,
      usage: { ...makeRecord().usage, responseModel: null, inputTokens: Math.floor(rnd() * 1000) },
      endpoint: rnd() < 0.1 ? "other" : "messages",
      cost: { ...makeRecord().cost, totalUsd: rnd() < 0.1 ? null : Math.floor(rnd() * 1e6) / 1e9 },
    }));
  }
  insert(withRollup, records);
  insert(rawOnly, records);
  const queries: ReportQuery[] = [
    { groupBy: ["day", "project"], timeZone: "Asia/Kolkata" },
    { groupBy: ["model"], since: T + 1234567, until: T + 9 * 86_400_000 + 7 },
    { groupBy: ["week", "model"], timeZone: "America/New_York", all: true },
    { groupBy: ["hour"], since: T + 60_001, until: T + 86_400_000 - 1 },
    { groupBy: ["month", "project"], filter: { model: "model-1" } },
  ];
  for (const q of queries) {
    assert.deepEqual(report(withRollup, q), report(rawOnly, q), JSON.stringify(q));
  }
  // And the raw answer itself is right: a brute-force count.
  const since = T + 1234567;
  const until = T + 9 * 86_400_000 + 7;
  const expected =
    records.filter((r) => r.startedAt >= since && r.startedAt < until && r.endpoint === "messages")
      .length;
  assert.equal(report(withRollup, { groupBy: [], since, until }).totals.calls, expected);
});

Deno.test("the narrow roll-ups (model, project) give what rollup_15m and calls give", () => {
  const d = db();
  const bare = db(MIGRATIONS.slice(0, 3)); // rollup_15m only
  const none = db(MIGRATIONS.slice(0, 2)); // calls only
  const rows: CallRecord[] = [];
  const models = ["m-a", "m-b", "m-c"];
  for (let i = 0; i < 400; i++) {
    rows.push(call(T - 40 * 86_400_000 + i * 9_876_543, {
      provider: i % 4 === 0 ? "openai" : "anthropic",
      requestModel: models[i % 3],
      project: i % 5 === 0 ? null : `p${i % 7}`,
      endpoint: i % 11 === 0 ? "other" : "messages",
      policy: i % 13 === 0 ? { action: "block", id: "rule:x", message: "no" } : null,
    }));
  }
  for (const x of [d, bare, none]) insert(x, rows);
  const queries: ReportQuery[] = [
    { groupBy: [] },
    { groupBy: ["day", "model"], timeZone: "America/New_York" },
    { groupBy: ["week", "project"], timeZone: "Asia/Kolkata", all: true },
    { groupBy: ["provider", "model"], since: T - 9 * 86_400_000 + 123, until: T },
    { groupBy: ["hour"], filter: { project: "p3" }, timeZone: "Australia/Adelaide" },
    { groupBy: ["month", "project"], filter: { model: "m-b" } },
  ];
  for (const q of queries) {
    const want = report(none, q);
    assert.deepEqual(report(d, q), want, JSON.stringify(q));
    assert.deepEqual(report(bare, q), want, JSON.stringify(q));
  }
});
