import assert from "node:assert/strict";
import { join } from "node:path";
import type { CallRecord } from "../../core/call_record.ts";
import { emptyUsage } from "../../core/usage.ts";
import type { LoadBuckets } from "./budget_ledger.ts";
import {
  createPolicyEngine,
  type PolicyEngine,
  type PolicyEngineDeps,
  type RateLimitSample,
  spendFact,
} from "./create_policy_engine.ts";
import type { CallFacts } from "./types.ts";
import { FACTS, HOUR, KEY, MIN, NOW } from "./_test_facts.ts";

function callRecord(over: Partial<CallRecord> = {}): CallRecord {
  return {
    id: crypto.randomUUID(),
    startedAt: NOW - 2000,
    endedAt: NOW - 500,
    durationMs: 1500,
    ttfbMs: 300,
    provider: "anthropic",
    host: "api.anthropic.com",
    method: "POST",
    path: "/v1/messages",
    endpoint: "messages",
    requestModel: "claude-sonnet-4-5",
    stream: true,
    status: 200,
    usage: {
      ...emptyUsage(),
      inputTokens: 1200,
      outputTokens: 300,
      responseModel: "claude-sonnet-4-5-20250929",
      completeness: "complete",
    },
    cost: {
      totalUsd: 0.25,
      inputUsd: 0.1,
      cacheReadUsd: 0,
      cacheWriteUsd: 0,
      outputUsd: 0.15,
      unpricedReason: null,
      priceVersion: "test",
    },
    project: "acme",
    projectSource: "cwd",
    client: "claude-code",
    apiKeyFingerprint: KEY,
    providerRequestId: "req_1",
    rateLimit: null,
    bytesUp: 100,
    bytesDown: 1000,
    selfTest: false,
    ...over,
  };
}

function unifiedHeaders(u5h: number): Record<string, string> {
  return {
    "anthropic-ratelimit-unified-status": "allowed",
    "anthropic-ratelimit-unified-5h-status": "allowed",
    "anthropic-ratelimit-unified-5h-reset": String(Math.floor((NOW + 2 * HOUR) / 1000)),
    "anthropic-ratelimit-unified-5h-utilization": String(u5h),
  };
}

interface LogLine {
  level: string;
  message: string;
  fields?: Record<string, string | number>;
}

/** An engine on a temp dir with a settable clock; the caller closes it with `done()`. */
function harness(over: Partial<PolicyEngineDeps> = {}, files: { policy?: unknown } = {}) {
  const dir = Deno.makeTempDirSync({ prefix: "halton-policy-engine-" });
  const path = join(dir, "policy.json");
  if (files.policy !== undefined) Deno.writeTextFileSync(path, JSON.stringify(files.policy));
  const logs: LogLine[] = [];
  const clock = { now: NOW };
  const notes: { title: string; body: string }[] = [];
  const engine = createPolicyEngine({
    path,
    now: () => clock.now,
    log: (level, message, fields) => logs.push({ level, message, fields }),
    loadBuckets: () => [],
    loadRateLimits: () => [],
    notify: (title, body) => notes.push({ title, body }),
    watchIntervalMs: 0,
    retryIntervalMs: 60_000,
    timeZone: "UTC",
    ...over,
  });
  const write = (policy: unknown) => Deno.writeTextFileSync(path, JSON.stringify(policy));
  const done = () => {
    engine.close();
    Deno.removeSync(dir, { recursive: true });
  };
  return { engine, path, logs, clock, notes, write, done };
}

async function waitFor(what: string, check: () => boolean, ms = 1000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const BLOCK_OPUS = {
  rules: [{ id: "no-opus", match: { model: "claude-opus-*" }, action: "block" }],
};

function verdictFor(engine: PolicyEngine, facts: Partial<CallFacts> = {}) {
  const d = engine.decide({ ...FACTS, ...facts });
  d.settle();
  return d.verdict;
}

Deno.test("createPolicyEngine: no file is no policy: inactive, every call allowed", () => {
  const h = harness();
  try {
    assert.equal(h.engine.active(), false);
    assert.equal(h.engine.usesProject(), false);
    const s = h.engine.state();
    assert.deepEqual(s, {
      state: "none",
      path: h.path,
      rules: 0,
      budgets: 0,
      quota: 0,
      loadedAt: null,
      evaluationErrors: 0,
    });
    assert.equal(verdictFor(h.engine, { model: "claude-opus-4-1" }).action, "allow");
    assert.deepEqual(h.engine.budgets(), []);
    assert.deepEqual(h.engine.explain(FACTS).steps, []);
    assert.deepEqual(h.logs, [], "no file at start is not worth a log line");
  } finally {
    h.done();
  }
});

Deno.test("createPolicyEngine: an empty policy file is loaded but not active", () => {
  const h = harness({}, { policy: {} });
  try {
    assert.equal(h.engine.state().state, "loaded");
    assert.equal(h.engine.active(), false, "nothing to enforce: no decision step");
  } finally {
    h.done();
  }
});

Deno.test("createPolicyEngine: the watcher picks up a new file, an edit and a removal", async () => {
  const h = harness({ watchIntervalMs: 20 });
  try {
    assert.equal(h.engine.active(), false);
    h.write(BLOCK_OPUS);
    await waitFor("the new file loaded", () => h.engine.state().state === "loaded");
    assert.equal(h.engine.active(), true);
    assert.equal(h.engine.state().rules, 1);
    assert.equal(h.engine.state().loadedAt, NOW);
    assert.equal(verdictFor(h.engine, { model: "claude-opus-4-1" }).action, "block");
    assert.ok(h.logs.some((l) => l.message === "policy: loaded" && l.fields?.rules === 1));

    // A valid edit replaces it.
    h.write({
      rules: [
        { id: "no-opus", match: { model: "claude-opus-*" }, action: "warn" },
        { id: "acme-only", match: { project: "acme" }, action: "allow" },
      ],
    });
    await waitFor("the edit loaded", () => h.engine.state().rules === 2);
    assert.equal(verdictFor(h.engine, { model: "claude-opus-4-1" }).action, "warn");
    assert.equal(h.engine.usesProject(), true);

    // Removing the file removes the policy.
    Deno.removeSync(h.path);
    await waitFor("the removal seen", () => h.engine.state().state === "none");
    assert.equal(h.engine.active(), false);
    assert.equal(h.engine.state().rules, 0);
    assert.equal(h.engine.state().loadedAt, null);
    assert.equal(verdictFor(h.engine, { model: "claude-opus-4-1" }).action, "allow");
    assert.ok(h.logs.some((l) => l.message === "policy: file removed, no policy"));
  } finally {
    h.done();
  }
});

Deno.test("createPolicyEngine: an invalid edit keeps the last good policy in force", async () => {
  const h = harness({ watchIntervalMs: 20 }, { policy: BLOCK_OPUS });
  try {
    assert.equal(h.engine.state().state, "loaded");
    Deno.writeTextFileSync(h.path, '{"rules": [{"id": "no-opus", "action": "deny"}]}');
    await waitFor("the invalid edit seen", () => h.engine.state().state === "invalid");
    const s = h.engine.state();
    assert.equal(
      s.error,
      `Invalid policy ${h.path}: rules[0].action = "deny": expected allow, warn or block`,
    );
    assert.equal(s.rules, 1, "the counts are the policy in force");
    assert.equal(h.engine.active(), true);
    assert.equal(verdictFor(h.engine, { model: "claude-opus-4-1" }).action, "block");
    const errors = h.logs.filter((l) => l.level === "error");
    assert.equal(errors.length, 1);
    assert.match(errors[0].message, /rules\[0\]\.action.*; the last good policy stays in force$/);

    // Fixing it (back to the same text) puts it in force again and clears the error.
    h.write(BLOCK_OPUS);
    await waitFor("the fix seen", () => h.engine.state().state === "loaded");
    assert.equal(h.engine.state().error, undefined);
    assert.equal(verdictFor(h.engine, { model: "claude-opus-4-1" }).action, "block");
  } finally {
    h.done();
  }
});

Deno.test("createPolicyEngine: a file broken from the start means no policy, and says why", () => {
  const h = harness({}, { policy: { rules: "nope" } });
  try {
    const s = h.engine.state();
    assert.equal(s.state, "invalid");
    assert.match(s.error ?? "", /rules = "nope": Invalid input: expected array/);
    assert.equal(h.engine.active(), false);
    assert.equal(verdictFor(h.engine).action, "allow");
    assert.match(h.logs[0].message, /; no policy is in force$/);
    // The same error seen again is not logged again.
    h.engine.reload();
    h.engine.reload();
    assert.equal(h.logs.filter((l) => l.level === "error").length, 1);
  } finally {
    h.done();
  }
});

Deno.test("createPolicyEngine: budgets whose totals cannot be read are not enforced until a retry", async () => {
  let failing = true;
  const loads: string[] = [];
  const loadBuckets: LoadBuckets = (b) => {
    loads.push(b.id);
    if (failing) throw new Error("database is locked");
    return [{ minute: Math.floor(NOW / MIN) - 10, usd: 5, tokens: 0, calls: 1 }];
  };
  const h = harness(
    { loadBuckets, retryIntervalMs: 20 },
    { policy: { budgets: [{ id: "daily", window: "day", cap_usd: 1 }] } },
  );
  try {
    const s = h.engine.state();
    assert.equal(s.state, "loaded");
    assert.equal(
      s.totalsError,
      'Cannot read budget totals for "daily" from the database: database is locked',
    );
    assert.ok(h.logs.some((l) => l.level === "error" && /budgets not enforced/.test(l.message)));
    assert.equal(h.engine.budgets()[0].state, "unavailable");
    // $5 spent against $1, but the totals are unknown: the call is allowed.
    assert.equal(verdictFor(h.engine).action, "allow");
    assert.equal(h.engine.explain(FACTS).steps[0].outcome, "not enforced");
    // An edit that keeps the budget does not make its unread totals count from zero.
    h.write({ budgets: [{ id: "daily", window: "day", cap_usd: 1, message: "edited" }] });
    h.engine.reload();
    assert.match(h.engine.state().totalsError ?? "", /database is locked/);
    assert.equal(h.engine.explain(FACTS).steps[0].outcome, "not enforced");

    failing = false;
    await waitFor("the retry", () => h.engine.state().totalsError === undefined);
    assert.ok(
      h.logs.some((l) => l.message === "policy: budget totals read; budgets enforced again"),
    );
    const v = verdictFor(h.engine);
    assert.equal(v.action, "block");
    assert.match(v.message ?? "", /"daily" is exhausted: \$5\.00 of \$1\.00/);
    assert.equal(h.engine.budgets()[0].state, "exceeded");
    const before = loads.length;
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(loads.length, before, "nothing left to retry");
  } finally {
    h.done();
  }
});

Deno.test("createPolicyEngine: record feeds the budgets and the quota book", () => {
  const h = harness({}, {
    policy: {
      budgets: [{ id: "daily", window: "day", cap_usd: 1 }],
      quota: [{ id: "claude-5h", window: "5h", warn_at: 0.8, block_at: 0.95 }],
    },
  });
  try {
    h.engine.record(callRecord({ rateLimit: unifiedHeaders(0.5) }));
    h.engine.record(callRecord({ rateLimit: unifiedHeaders(0.6) }));
    const b = h.engine.budgets()[0];
    assert.equal(b.spent_usd, 0.5);
    assert.equal(b.spent_tokens, 3000);
    assert.equal(b.state, "ok");
    const q = h.engine.quota();
    assert.equal(q.length, 1);
    assert.equal(q[0].account, KEY);
    assert.equal(q[0].windows[0].utilization, 0.6);
    // Self-test calls are not counted.
    h.engine.record(callRecord({ selfTest: true, cost: { ...callRecord().cost, totalUsd: 100 } }));
    assert.equal(h.engine.budgets()[0].spent_usd, 0.5);
    // The subscription window held by the last response blocks.
    h.engine.record(
      callRecord({ rateLimit: unifiedHeaders(0.96), cost: { ...callRecord().cost, totalUsd: 0 } }),
    );
    const v = verdictFor(h.engine);
    assert.equal(v.action, "block");
    assert.deepEqual(v.source, { kind: "quota", id: "claude-5h" });
  } finally {
    h.done();
  }
});

Deno.test("createPolicyEngine: the quota book is rebuilt from recorded rate limits at start", () => {
  const samples: RateLimitSample[] = [
    { account: KEY, provider: "anthropic", seenAt: NOW - HOUR, headers: unifiedHeaders(0.5) },
    { account: KEY, provider: "anthropic", seenAt: NOW - MIN, headers: unifiedHeaders(0.97) },
  ];
  let since = 0;
  const h = harness({
    loadRateLimits: (s) => {
      since = s;
      return samples;
    },
  }, { policy: { quota: [{ id: "q", window: "5h", block_at: 0.95 }] } });
  try {
    assert.equal(since, NOW - 8 * 24 * HOUR);
    assert.equal(verdictFor(h.engine).action, "block");
    assert.ok(h.engine.quota()[0].windows[0].burn_per_hour !== null);
  } finally {
    h.done();
  }
  const broken = harness({
    loadRateLimits: () => {
      throw new Error("no such table: calls");
    },
  });
  try {
    assert.deepEqual(broken.logs.map((l) => [l.level, l.message]), [
      ["warn", "policy: cannot read recorded rate-limit windows: no such table: calls"],
    ]);
  } finally {
    broken.done();
  }
});

Deno.test("createPolicyEngine: decide reserves on the budgets and settle releases it", () => {
  const h = harness({}, { policy: { budgets: [{ id: "daily", window: "day", cap_usd: 1 }] } });
  try {
    h.engine.record(callRecord());
    h.engine.record(callRecord());
    h.engine.record(callRecord()); // $0.75 spent, $0.25 a call
    const first = h.engine.decide(FACTS);
    assert.equal(first.verdict.action, "allow");
    assert.equal(h.engine.budgets()[0].in_flight, 1);
    assert.equal(h.engine.budgets()[0].reserved_usd, 0.25);
    const second = h.engine.decide(FACTS);
    assert.equal(second.verdict.action, "block", "the call in flight fills the budget");
    second.settle(); // nothing reserved: a no-op
    first.settle();
    first.settle(); // twice: still one release
    assert.equal(h.engine.budgets()[0].in_flight, 0);
    assert.equal(h.engine.budgets()[0].reserved_usd, 0);
    assert.equal(verdictFor(h.engine).action, "allow");
    // A non-billable call reserves nothing.
    const count = h.engine.decide({ ...FACTS, endpoint: "count_tokens" });
    assert.equal(h.engine.budgets()[0].in_flight, 0);
    count.settle();
  } finally {
    h.done();
  }
});

Deno.test("createPolicyEngine: totals survive a reload that keeps the budget", () => {
  let loads = 0;
  const h = harness({
    loadBuckets: () => {
      loads++;
      return [];
    },
  }, { policy: { budgets: [{ id: "daily", window: "day", cap_usd: 1 }] } });
  try {
    h.engine.record(callRecord());
    const inFlight = h.engine.decide(FACTS);
    h.write({ budgets: [{ id: "daily", window: "day", cap_usd: 2, message: "raised" }] });
    h.engine.reload();
    assert.equal(loads, 1, "the unchanged budget is not read again");
    const b = h.engine.budgets()[0];
    assert.equal(b.cap_usd, 2);
    assert.equal(b.spent_usd, 0.25);
    assert.equal(b.in_flight, 1);
    inFlight.settle();
    assert.equal(h.engine.budgets()[0].in_flight, 0);
  } finally {
    h.done();
  }
});

Deno.test("createPolicyEngine: repeated warnings are logged once a minute, blocks always", () => {
  const h = harness({}, {
    policy: {
      rules: [
        { id: "no-curl", match: { client: "curl" }, action: "block" },
        { id: "sonnet-note", match: { model: "claude-sonnet-*" }, action: "warn" },
      ],
    },
  });
  try {
    h.logs.length = 0;
    for (let i = 0; i < 5; i++) verdictFor(h.engine);
    h.clock.now += 30_000;
    verdictFor(h.engine);
    let warns = h.logs.filter((l) => l.message.startsWith("policy warn: "));
    assert.equal(warns.length, 1);
    assert.deepEqual(warns[0].fields, { id: "rule:sonnet-note" });
    assert.match(warns[0].message, /^policy warn: Halton Meter policy rule "sonnet-note" warns/);
    h.clock.now += 30_000; // a minute after the first
    verdictFor(h.engine);
    warns = h.logs.filter((l) => l.message.startsWith("policy warn: "));
    assert.equal(warns.length, 2);
    assert.deepEqual(warns[1].fields, { id: "rule:sonnet-note", similar_since_last: 5 });
    // Blocks are logged each time.
    verdictFor(h.engine, { client: "curl" });
    verdictFor(h.engine, { client: "curl" });
    assert.equal(h.logs.filter((l) => l.message.startsWith("policy block: ")).length, 2);
    // Allowed calls are not logged.
    const before = h.logs.length;
    verdictFor(h.engine, { model: "gpt-5" });
    assert.equal(h.logs.length, before);
  } finally {
    h.done();
  }
});

Deno.test("createPolicyEngine: desktop notifications when asked, once per 10 minutes per source", () => {
  const policy = {
    notify: { desktop: true },
    rules: [{ id: "sonnet-note", match: { model: "claude-sonnet-*" }, action: "warn" }],
  };
  const h = harness({}, { policy });
  try {
    verdictFor(h.engine);
    verdictFor(h.engine);
    h.clock.now += 9 * MIN;
    verdictFor(h.engine);
    assert.equal(h.notes.length, 1);
    assert.equal(h.notes[0].title, "Halton Meter warning");
    assert.match(h.notes[0].body, /"sonnet-note" warns/);
    h.clock.now += MIN;
    verdictFor(h.engine);
    assert.equal(h.notes.length, 2);
  } finally {
    h.done();
  }
  // Off unless the policy asks; a throwing notifier changes nothing.
  const quiet = harness({}, { policy: { ...policy, notify: { desktop: false } } });
  try {
    verdictFor(quiet.engine);
    assert.equal(quiet.notes.length, 0);
  } finally {
    quiet.done();
  }
  const throwing = harness({
    notify: () => {
      throw new Error("dbus down");
    },
  }, { policy });
  try {
    assert.equal(verdictFor(throwing.engine).action, "warn");
  } finally {
    throwing.done();
  }
});

Deno.test("createPolicyEngine: an evaluation that throws allows the call and is counted", () => {
  const h = harness({}, { policy: BLOCK_OPUS });
  try {
    // Whatever goes wrong inside (here: reading the facts throws), the call is not failed.
    const broken = new Proxy(FACTS, {
      get(target, key) {
        if (key === "model") throw new Error("facts unavailable");
        return Reflect.get(target, key);
      },
    });
    const d = h.engine.decide(broken);
    assert.deepEqual(d.verdict, { action: "allow", source: null, message: null });
    d.settle();
    assert.equal(h.engine.state().evaluationErrors, 1);
    assert.ok(
      h.logs.some((l) =>
        l.level === "error" && /evaluation failed; call allowed: facts unavailable/.test(l.message)
      ),
    );
  } finally {
    h.done();
  }
});

Deno.test("spendFact: a record as budgets count it", () => {
  assert.deepEqual(spendFact(callRecord()), {
    provider: "anthropic",
    host: "api.anthropic.com",
    endpoint: "messages",
    model: "claude-sonnet-4-5",
    responseModel: "claude-sonnet-4-5-20250929",
    project: "acme",
    client: "claude-code",
    key: KEY,
    startedAt: NOW - 2000,
    costUsd: 0.25,
    tokens: 1500,
  });
  const unpriced = spendFact(callRecord({
    cost: { ...callRecord().cost, totalUsd: null },
    usage: emptyUsage(),
  }));
  assert.equal(unpriced.costUsd, 0);
  assert.equal(unpriced.tokens, 0);
});
