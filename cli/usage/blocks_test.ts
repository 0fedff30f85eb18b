import assert from "node:assert/strict";
import { assertGolden, type CallSpec, seededHome } from "./_test_calls.ts";
import { type BlocksOptions, defaultBlocksDeps, runBlocks } from "./blocks.ts";

const NOW = Date.parse("2026-03-11T16:10:00Z");
const TZ = "Europe/Paris";
const utc = (s: string) => Date.parse(`${s}:00Z`);
const unified = (reset: string, utilization: string) => ({
  "anthropic-ratelimit-unified-5h-reset": String(utc(reset) / 1000),
  "anthropic-ratelimit-unified-5h-utilization": utilization,
  "anthropic-ratelimit-unified-status": "allowed",
});

const CALLS: CallSpec[] = [
  // Yesterday, API-key traffic: blocks from the first call, on the hour.
  { at: utc("2026-03-10T08:23"), key: "k1", cost: 0.02 },
  { at: utc("2026-03-10T12:59"), key: "k1", cost: 0.03 },
  { at: utc("2026-03-10T13:05"), model: "gpt-5", provider: "openai", cost: 0.01 },
  // Today, a subscription: Anthropic's window 11:40-16:40 (its reset, not on the hour).
  { at: utc("2026-03-11T11:20"), cost: 0.005 }, // before the window: cut where it starts
  {
    at: utc("2026-03-11T11:45"),
    cost: 0.4,
    input: 20_000,
    output: 3_000,
    rateLimit: unified("2026-03-11T16:40", "0.12"),
  },
  {
    at: utc("2026-03-11T15:50"),
    cost: 0.6,
    input: 30_000,
    output: 4_000,
    rateLimit: unified("2026-03-11T16:40", "0.31"),
  },
  { at: utc("2026-03-11T15:55"), model: "mystery-1", cost: null },
  // Not model calls: never in a block.
  { at: utc("2026-03-11T15:56"), endpoint: "other", model: null },
  { at: utc("2026-03-11T15:57"), blocked: true },
];

async function blocks(home: string, over: Partial<BlocksOptions> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = runBlocks(
    {
      home,
      json: false,
      timeZone: TZ,
      active: false,
      filter: {},
      colour: false,
      print: (l) => out.push(l),
      printError: (l) => err.push(l),
      ...over,
    },
    { ...defaultBlocksDeps, now: () => NOW },
  );
  await Promise.resolve();
  return { code, out: out.join("\n") + "\n", err: err.join("\n") };
}

Deno.test("usage blocks: golden table and JSON, aligned to resets and to first calls", async () => {
  const seed = await seededHome(CALLS);
  try {
    const table = await blocks(seed.home);
    assert.equal(table.code, 0, table.err);
    assertGolden(new URL(".", import.meta.url), "blocks.txt", table.out);
    const json = await blocks(seed.home, { json: true });
    assertGolden(new URL(".", import.meta.url), "blocks.json", json.out);
    const parsed = JSON.parse(json.out);
    assert.deepEqual(
      parsed.blocks.map((b: { start: string; aligned: string }) => [b.start, b.aligned]),
      [
        ["2026-03-10T08:00:00.000Z", "first_call"],
        ["2026-03-10T13:00:00.000Z", "first_call"],
        ["2026-03-11T11:00:00.000Z", "first_call"],
        ["2026-03-11T11:40:00.000Z", "anthropic_reset"],
      ],
    );
    const active = await blocks(seed.home, { active: true, json: true });
    assert.equal(JSON.parse(active.out).blocks.length, 1);
    const one = await blocks(seed.home, { filter: { key: "k1" }, json: true });
    assert.equal(JSON.parse(one.out).blocks.length, 1);
  } finally {
    await seed.cleanup();
  }
});

Deno.test("usage blocks: nothing active is said; bad options exit 2", async () => {
  const seed = await seededHome(CALLS.slice(0, 3));
  try {
    const r = await blocks(seed.home, { active: true });
    assert.equal(r.out, "No active block: no model call in the last 5 hours.\n");
    const t = await blocks(seed.home);
    assert.match(t.out, /No active block: the last one ended 2026-03-10 19:00\./);
    const bad = await blocks(seed.home, { since: "soon" });
    assert.equal(bad.code, 2);
    assert.match(bad.err, /usage blocks: cannot read --since "soon"/);
  } finally {
    await seed.cleanup();
  }
});
