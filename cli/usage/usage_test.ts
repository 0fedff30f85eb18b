import assert from "node:assert/strict";
import { assertGolden, type CallSpec, parseCsv, seededHome } from "./_test_calls.ts";
import { defaultUsageDeps, runUsage, type UsageOptions } from "./usage.ts";
import { TOTAL_COLUMNS } from "./render_report.ts";

// Wednesday 2026-03-11 16:20 in Paris (UTC+1), 15:20 UTC.
const NOW = Date.UTC(2026, 2, 11, 15, 20);
const TZ = "Europe/Paris";
const paris = (d: string, hm: string) => Date.parse(`${d}T${hm}:00+01:00`);

const CALLS: CallSpec[] = [
  // Last month, last week.
  {
    at: paris("2026-02-15", "10:00"),
    model: "gpt-5",
    provider: "openai",
    client: "codex-cli",
    cost: 2,
  },
  { at: paris("2026-03-02", "11:00"), cost: 0.5, input: 50_000, output: 2_000 },
  // Monday: a Claude call, and a late OpenAI one (22:30 UTC: still Monday in Paris).
  { at: paris("2026-03-09", "09:00"), input: 1000, output: 200, cacheRead: 600, cost: 0.0105 },
  {
    at: paris("2026-03-09", "23:30"),
    model: "gpt-5",
    provider: "openai",
    project: "beta",
    client: "codex-cli",
    key: "ffee0011",
    cost: 0.002,
  },
  // Tuesday: a millionth of a dollar, eight calls of 0.4 µ$, telemetry, one blocked call.
  { at: paris("2026-03-10", "10:00"), model: "claude-haiku-4-5", input: 12, output: 1, cost: 1e-6 },
  ...Array.from({ length: 8 }, (_, i) => ({
    at: paris("2026-03-10", "10:01") + i,
    model: "claude-haiku-4-5",
    input: 4,
    output: 1,
    cost: 4e-7,
  })),
  ...Array.from({ length: 22 }, (_, i) => ({
    at: paris("2026-03-10", "12:00") + i * 1000,
    endpoint: "other",
    model: null,
  })),
  { at: paris("2026-03-10", "13:00"), blocked: true, model: "claude-opus-4-1" },
  // Today: a project whose name needs quoting in CSV, an unpriced model, no project.
  {
    at: paris("2026-03-11", "08:00"),
    project: 'acme, "the" lab',
    input: 120_000,
    output: 8_000,
    cost: 1.23456789,
  },
  { at: paris("2026-03-11", "09:00"), model: "mystery-1", project: null, cost: null },
  // Self-test rows never count.
  { at: paris("2026-03-11", "09:30"), selfTest: true, cost: 99 },
];

async function usage(home: string, over: Partial<UsageOptions>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = runUsage(
    {
      home,
      format: "table",
      timeZone: TZ,
      groupBy: [],
      all: false,
      filter: {},
      colour: false,
      print: (l) => out.push(l),
      printError: (l) => err.push(l),
      ...over,
    },
    { ...defaultUsageDeps, now: () => NOW },
  );
  await Promise.resolve();
  return { code, out: out.join("\n") + "\n", err: err.join("\n") };
}

Deno.test("usage: golden reports from a seeded database (table, breakdowns, JSON, CSV)", async () => {
  const seed = await seededHome(CALLS);
  try {
    const cases: [string, Partial<UsageOptions>][] = [
      ["today_by_model.txt", {}],
      ["this_week_by_day_model.txt", { since: "this-week", groupBy: ["day", "model"] }],
      ["this_month_by_project_model.txt", { since: "this-month", groupBy: ["project,model"] }],
      ["all_by_endpoint_tuesday.txt", {
        since: "2026-03-10",
        until: "2026-03-10",
        groupBy: ["endpoint"],
        all: true,
      }],
      ["tuesday_left_out.txt", { since: "2026-03-10", until: "2026-03-10", groupBy: ["model"] }],
      ["by_week_and_month.txt", { since: "2026-02-01", groupBy: ["month", "week"] }],
      ["by_provider_client_key.txt", { since: "30d", groupBy: ["provider", "client", "key"] }],
      ["last_month.json", { since: "last-month", format: "json", groupBy: ["day", "provider"] }],
      ["this_month.csv", { since: "this-month", format: "csv", groupBy: ["day", "project"] }],
      ["filtered_project.txt", { since: "30d", groupBy: ["day"], filter: { project: "alpha" } }],
    ];
    for (const [name, over] of cases) {
      const r = await usage(seed.home, over);
      assert.equal(r.code, 0, `${name}: ${r.err}`);
      assertGolden(new URL(".", import.meta.url), name, r.out);
    }
  } finally {
    await seed.cleanup();
  }
});

Deno.test("usage --csv: stable columns, quoted where needed, read back to the same numbers", async () => {
  const seed = await seededHome(CALLS);
  try {
    const csv = await usage(seed.home, {
      since: "this-month",
      format: "csv",
      groupBy: ["project", "model"],
    });
    const json = await usage(seed.home, {
      since: "this-month",
      format: "json",
      groupBy: ["project", "model"],
    });
    const rows = parseCsv(csv.out);
    assert.deepEqual(rows[0], ["project", "model", ...TOTAL_COLUMNS]);
    const parsed = JSON.parse(json.out);
    assert.equal(rows.length - 1, parsed.rows.length);
    for (const [i, row] of rows.slice(1).entries()) {
      const j = parsed.rows[i];
      assert.deepEqual(row.slice(0, 2), [j.keys.project ?? "", j.keys.model ?? ""]);
      for (const [c, col] of TOTAL_COLUMNS.entries()) {
        assert.equal(Number(row[2 + c]), j[col], `${col} of row ${i}`);
        assert.doesNotMatch(row[2 + c], /e/i, "no exponent in CSV numbers");
      }
    }
    assert.ok(rows.some((r) => r[0] === 'acme, "the" lab'), "the quoted project reads back");
    assert.match(csv.out, /"acme, ""the"" lab"/);
  } finally {
    await seed.cleanup();
  }
});

Deno.test("usage: a millionth of a dollar is shown, never $0.0000; sums are exact to the nano-dollar", async () => {
  const seed = await seededHome(CALLS);
  try {
    const t = await usage(seed.home, { since: "2026-03-10", until: "2026-03-10" });
    assert.match(t.out, /claude-haiku-4-5 +│ +9 │ .* │ +\$0\.0000042 │/);
    assert.doesNotMatch(t.out, /\$0\.0000 /);
    const j = JSON.parse(
      (await usage(seed.home, {
        since: "2026-03-10",
        until: "2026-03-10",
        format: "json",
      })).out,
    );
    assert.equal(j.totals.cost_usd, 0.0000042);
    assert.equal(j.totals.calls, 9);
    assert.equal(j.totals.other_calls, 22);
    assert.equal(j.totals.blocked_calls, 1);
    const all = JSON.parse(
      (await usage(seed.home, {
        since: "2026-03-10",
        until: "2026-03-10",
        format: "json",
        all: true,
      })).out,
    );
    assert.equal(all.totals.calls, 32);
    assert.deepEqual(all.rows.map((r: { key: string }) => r.key), [
      "claude-haiku-4-5",
      "claude-opus-4-1",
      null,
    ]);
  } finally {
    await seed.cleanup();
  }
});

Deno.test("usage: bad options are explained with exit 2; no database is no calls", async () => {
  const home = await Deno.makeTempDir({ prefix: "hm-usage-" });
  try {
    const empty = await usage(home, {});
    assert.equal(empty.code, 0);
    assert.equal(empty.out, "No metered calls, 2026-03-11 00:00 → now (Europe/Paris).\n");
    const cases: [Partial<UsageOptions>, RegExp][] = [
      [{ since: "soon" }, /cannot read --since "soon"/],
      [{ until: "2026-03-01" }, /not after --since "today"/],
      [{ groupBy: ["colour"] }, /--group-by "colour" is not one of hour, day, week, month/],
      [{ groupBy: ["day", "day"] }, /given twice/],
      [{ timeZone: "Mars/Olympus" }, /--tz "Mars\/Olympus" is not a time zone/],
    ];
    for (const [over, message] of cases) {
      const r = await usage(home, over);
      assert.equal(r.code, 2, JSON.stringify(over));
      assert.match(r.err, message);
    }
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
