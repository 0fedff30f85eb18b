import assert from "node:assert/strict";
import { assertGolden, type CallSpec, seededHome } from "../usage/_test_calls.ts";
import { readClaudeCodeLogs } from "./read_claude_code_logs.ts";
import { readCodexLogs } from "./read_codex_logs.ts";
import { type ReconcileCliOptions, runReconcile } from "./reconcile.ts";

const HERE = new URL(".", import.meta.url);
const CLAUDE_DIR = new URL("testdata/claude-projects", HERE).pathname;
const CODEX_DIR = new URL("testdata/codex-sessions", HERE).pathname;
const NOW = Date.parse("2026-03-11T16:00:00Z");
const utc = (s: string) => Date.parse(`${s}Z`);
const S = "claude-sonnet-4-5-20250929";
const H = "claude-haiku-4-5-20251001";

/** The wire side of the fixtures' story (testdata/claude-projects, testdata/codex-sessions). */
const WIRE: CallSpec[] = [
  // A: the same on both sides.
  {
    at: utc("2026-03-10T10:00:03"),
    model: S,
    input: 4221,
    output: 85,
    cacheRead: 1800,
    cacheWrite: 400,
    cacheWrite1h: 2000,
    requestId: "req_011AaaaWire",
    responseId: "msg_01AaaaRequestMatched",
  },
  // B: streamed; its final output count is 159 (the logs' first snapshot says 9).
  {
    at: utc("2026-03-10T10:00:58"),
    model: S,
    input: 5424,
    output: 159,
    cacheRead: 4221,
    cacheWrite1h: 1200,
    requestId: "req_011BbbbWire",
    responseId: "msg_01BbbbStreamed",
  },
  // D: the log entry has no requestId (matched by message id); the wire read 200 more from cache.
  {
    at: utc("2026-03-10T10:03:28"),
    model: S,
    input: 5207,
    output: 60,
    cacheRead: 5200,
    requestId: "req_011DdddWire",
    responseId: "msg_01DdddByMessageId",
  },
  // E: a subagent's call.
  {
    at: utc("2026-03-10T10:02:58"),
    model: H,
    input: 900,
    output: 120,
    requestId: "req_011EeeeWire",
    responseId: "msg_01EeeeSubagent",
  },
  // F: the next day, in a resumed session's file.
  {
    at: utc("2026-03-11T08:00:07"),
    model: S,
    input: 6612,
    output: 240,
    cacheRead: 6000,
    cacheWrite1h: 600,
    requestId: "req_011FfffWire",
    responseId: "msg_01FfffNextDay",
  },
  // G: Claude Code's call that its logs never record (a title, say).
  {
    at: utc("2026-03-10T10:00:01"),
    model: H,
    input: 250,
    output: 12,
    requestId: "req_011GgggTitle",
    responseId: "msg_01GgggTitle",
  },
  // Not Claude Code's: curl on the same API, a telemetry request, another provider.
  {
    at: utc("2026-03-10T10:30:00"),
    model: S,
    client: "curl",
    requestId: "req_011HhhhCurl",
  },
  { at: utc("2026-03-10T10:00:02"), endpoint: "other", model: null },
  // Codex: the first call the same, the second 7 output tokens apart, a third the logs lack.
  {
    at: utc("2026-03-10T09:00:08.500"),
    provider: "openai",
    endpoint: "responses",
    client: "codex-cli",
    model: "gpt-5-codex",
    input: 5000,
    output: 300,
  },
  {
    at: utc("2026-03-10T09:00:58.500"),
    provider: "openai",
    endpoint: "responses",
    client: "codex-cli",
    model: "gpt-5-codex",
    input: 6245,
    cacheRead: 5376,
    output: 400,
  },
  {
    at: utc("2026-03-10T09:05:00"),
    provider: "openai",
    endpoint: "responses",
    client: "codex-cli",
    model: "gpt-5-codex",
    input: 9999,
    output: 10,
  },
];

async function reconcile(home: string, over: Partial<ReconcileCliOptions>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runReconcile(
    {
      home,
      source: "claude-code",
      dir: CLAUDE_DIR,
      timeZone: "Europe/Paris",
      dedupe: "first",
      json: false,
      colour: false,
      env: { get: () => undefined },
      print: (l) => out.push(l),
      printError: (l) => err.push(l),
      ...over,
    },
    { now: () => NOW },
  );
  // Paths in the output are the checkout's: make them relative for golden files.
  const text = (out.join("\n") + "\n").replaceAll(HERE.pathname, "");
  return { code, out: text, err: err.join("\n") };
}

Deno.test("readClaudeCodeLogs: assistant entries, duplicates dropped as ccusage, synthetic and torn lines skipped", async () => {
  const first = await readClaudeCodeLogs(CLAUDE_DIR, { dedupe: "first" });
  assert.equal(first.files, 3);
  assert.equal(first.entries, 9); // A, B×3, C, D, E, A again in the resumed session, F
  assert.equal(first.synthetic, 1);
  assert.equal(first.unreadable, 1);
  assert.equal(first.duplicates, 3); // B's two later snapshots, A's copy
  const ids = first.calls.map((c) => c.messageId);
  assert.deepEqual(ids, [
    "msg_01AaaaRequestMatched",
    "msg_01BbbbStreamed",
    "msg_01CcccLogOnly",
    "msg_01EeeeSubagent",
    "msg_01DdddByMessageId",
    "msg_01FfffNextDay",
  ]);
  const b = first.calls[1];
  assert.equal(b.tokens.output, 9, "first: the first snapshot");
  assert.equal(b.tokens.input, 3 + 1200 + 4221, "input counts the cache, as the wire does");
  assert.equal(b.tokens.cacheWrite1h, 1200);
  const last = await readClaudeCodeLogs(CLAUDE_DIR, { dedupe: "last" });
  assert.equal(last.calls[1].tokens.output, 159, "last: the final snapshot");
});

Deno.test("reconcile claude-code: per day and model, a call missing from the logs, one missing from the wire, token differences", async () => {
  const seed = await seededHome(WIRE);
  try {
    const table = await reconcile(seed.home, {});
    assert.equal(table.code, 0, table.err);
    assertGolden(HERE, "claude_code.txt", table.out);
    const json = await reconcile(seed.home, { json: true });
    assertGolden(HERE, "claude_code.json", json.out);
    const r = JSON.parse(json.out);
    assert.equal(r.totals.matched, 5);
    assert.deepEqual(r.wire_only.map((w: { request_id: string }) => w.request_id), [
      "req_011GgggTitle",
    ]);
    assert.deepEqual(r.logs_only.map((l: { message_id: string }) => l.message_id), [
      "msg_01CcccLogOnly",
    ]);
    const diffs = r.token_mismatches.map((
      m: { logs: { message_id: string }; matched_by: string; fields: { field: string }[] },
    ) => [m.logs.message_id, m.matched_by, m.fields.map((f) => f.field)]);
    assert.deepEqual(diffs, [
      ["msg_01BbbbStreamed", "request_id", ["output_tokens"]],
      ["msg_01DdddByMessageId", "message_id", ["input_tokens", "cache_read_tokens"]],
    ]);
    // Priced alike: matched calls with the same tokens cost the same on both sides.
    assert.ok(r.totals.wire.cost_usd > 0);
    // Keeping the last snapshot, the streamed message agrees with the wire.
    const last = JSON.parse((await reconcile(seed.home, { json: true, dedupe: "last" })).out);
    assert.deepEqual(
      last.token_mismatches.map((m: { logs: { message_id: string } }) => m.logs.message_id),
      ["msg_01DdddByMessageId"],
    );
  } finally {
    await seed.cleanup();
  }
});

Deno.test("reconcile codex: token_count events, re-emits dropped, matched by time and input tokens", async () => {
  const scan = await readCodexLogs(CODEX_DIR, {});
  assert.equal(scan.calls.length, 3);
  assert.equal(scan.duplicates, 1);
  assert.deepEqual(scan.calls.map((c) => [c.model, c.tokens.input, c.tokens.output]), [
    ["gpt-5-codex", 5000, 300],
    ["gpt-5-codex", 6245, 407],
    ["gpt-5-codex", 7000, 150],
  ]);
  const seed = await seededHome(WIRE);
  try {
    const table = await reconcile(seed.home, { source: "codex", dir: CODEX_DIR });
    assert.equal(table.code, 0, table.err);
    assertGolden(HERE, "codex.txt", table.out);
    const r = JSON.parse(
      (await reconcile(seed.home, { source: "codex", dir: CODEX_DIR, json: true })).out,
    );
    assert.equal(r.matched_by, "time_and_input");
    assert.equal(r.totals.matched, 2);
    assert.equal(r.totals.wire_only, 1);
    assert.equal(r.totals.logs_only, 1);
    assert.deepEqual(r.token_mismatches[0].fields, [
      { field: "output_tokens", wire: 400, logs: 407 },
    ]);
  } finally {
    await seed.cleanup();
  }
});

Deno.test("reconcile: no logs is said; bad options exit 2", async () => {
  const seed = await seededHome(WIRE);
  try {
    const none = await reconcile(seed.home, { dir: `${seed.home}/nothing-here` });
    assert.equal(none.code, 0);
    assert.match(none.err, /no log files under .*nothing-here/);
    // Every Claude Code call on the wire is then missing from the logs; curl's is not expected.
    assert.match(none.out, /0 call\(s\) matched; 6 only on the wire/);
    const bad = await reconcile(seed.home, { dedupe: "middle" });
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--dedupe "middle": use first \(as ccusage\) or last/);
    const since = await reconcile(seed.home, { since: "soon" });
    assert.equal(since.code, 2);
  } finally {
    await seed.cleanup();
  }
});
