import assert from "node:assert/strict";
import { BudgetLedger } from "./budget_ledger.ts";
import { compilePolicy } from "./compile_policy.ts";
import { type EvalContext, evaluate, type TraceStep } from "./evaluate.ts";
import type { PolicyFile } from "./policy_schema.ts";
import { QuotaBook } from "./quota_book.ts";
import type { CallFacts, SpendFact } from "./types.ts";
import { FACTS, HOUR, KEY, MIN, NOW } from "./_test_facts.ts";

function facts(over: Partial<CallFacts> = {}): CallFacts {
  return { ...FACTS, ...over };
}

/** A compiled policy with its budgets in a fresh ledger (empty totals), and an empty book. */
function setup(file: PolicyFile, now = NOW) {
  const policy = compilePolicy(file, "UTC");
  const ledger = new BudgetLedger();
  assert.equal(ledger.setBudgets(policy.budgets, now, () => []), null);
  const ctx: EvalContext = { now, ledger, quota: new QuotaBook() };
  /** Records a finished call of `usd` / `tokens` a minute before now. */
  const spend = (usd: number, tokens = 0, over: Partial<SpendFact> = {}) =>
    ledger.record({ ...FACTS, startedAt: ctx.now - MIN, costUsd: usd, tokens, ...over }, ctx.now);
  const decide = (f: CallFacts = FACTS) => evaluate(policy, f, ctx);
  const explain = (f: CallFacts = FACTS) => {
    const steps: TraceStep[] = [];
    const { verdict, reservation } = evaluate(policy, f, ctx, steps);
    assert.equal(reservation, null, "explain reserves nothing");
    return { verdict, steps };
  };
  return { policy, ledger, ctx, spend, decide, explain };
}

/** Anthropic unified headers for one account. */
function unifiedHeaders(u5h: number, reset5h: number, u7d = 0.1): Record<string, string> {
  return {
    "anthropic-ratelimit-unified-status": "allowed",
    "anthropic-ratelimit-unified-representative-claim": "five_hour",
    "anthropic-ratelimit-unified-5h-status": u5h >= 1 ? "rejected" : "allowed",
    "anthropic-ratelimit-unified-5h-reset": String(Math.floor(reset5h / 1000)),
    "anthropic-ratelimit-unified-5h-utilization": String(u5h),
    "anthropic-ratelimit-unified-7d-status": "allowed",
    "anthropic-ratelimit-unified-7d-reset": String(Math.floor((NOW + 4 * 24 * HOUR) / 1000)),
    "anthropic-ratelimit-unified-7d-utilization": String(u7d),
    "anthropic-ratelimit-unified-overage-status": "rejected",
  };
}

// ---- rules ----

Deno.test("evaluate: no policy entries, or no rule matching, allows with no source", () => {
  const empty = setup({});
  const e = empty.decide();
  assert.deepEqual(e.verdict, { action: "allow", source: null, message: null });
  const s = setup({ rules: [{ id: "no-gpt", match: { model: "gpt-*" }, action: "block" }] });
  assert.deepEqual(s.decide().verdict, { action: "allow", source: null, message: null });
});

Deno.test("evaluate: the first matching rule decides", () => {
  const s = setup({
    rules: [
      { id: "acme-may-opus", match: { project: "acme", model: "claude-opus-*" }, action: "allow" },
      { id: "no-opus", match: { model: "claude-opus-*" }, action: "block" },
      { id: "curl-warns", match: { client: "curl" }, action: "warn" },
      { id: "curl-blocked", match: { client: "curl" }, action: "block" },
    ],
  });
  const opus = "claude-opus-4-1";
  assert.deepEqual(s.decide(facts({ model: opus })).verdict, {
    action: "allow",
    source: { kind: "rule", id: "acme-may-opus" },
    message: null,
  });
  const blocked = s.decide(facts({ model: opus, project: "other" })).verdict;
  assert.equal(blocked.action, "block");
  assert.deepEqual(blocked.source, { kind: "rule", id: "no-opus" });
  // A call with no project never matches a rule that names one.
  assert.equal(s.decide(facts({ model: opus, project: null })).verdict.source?.id, "no-opus");
  // Warn decides too: the later block does not apply.
  const warned = s.decide(facts({ client: "curl" })).verdict;
  assert.equal(warned.action, "warn");
  assert.deepEqual(warned.source, { kind: "rule", id: "curl-warns" });
  assert.equal(warned.alsoWarned, undefined);
});

Deno.test("evaluate: rule messages name the rule, the model and project, and the reason", () => {
  const s = setup({
    rules: [
      {
        id: "no-opus-on-acme",
        match: { project: "acme", model: "claude-opus-*" },
        action: "block",
        message: "acme uses Sonnet; ask Ana before using Opus.",
      },
      { id: "gpt5-is-pricey", match: { model: "gpt-5*" }, action: "warn" },
      { id: "no-other", match: { endpoint: "other" }, action: "block" },
    ],
  });
  assert.equal(
    s.decide(facts({ model: "claude-opus-4-1" })).verdict.message,
    'Halton Meter policy rule "no-opus-on-acme" blocks this call (model claude-opus-4-1, ' +
      "project acme): acme uses Sonnet; ask Ana before using Opus.",
  );
  assert.equal(
    s.decide(facts({ model: "gpt-5-mini", project: null })).verdict.message,
    'Halton Meter policy rule "gpt5-is-pricey" warns about this call (model gpt-5-mini).',
  );
  assert.equal(
    s.decide(facts({ endpoint: "other", model: null, project: null })).verdict.message,
    'Halton Meter policy rule "no-other" blocks this call.',
  );
});

Deno.test("evaluate: a blocking rule stops there: no budget is read, nothing reserved", () => {
  const s = setup({
    rules: [{ id: "no-curl", match: { client: "curl" }, action: "block" }],
    budgets: [{ id: "daily", window: "day", cap_usd: 1 }],
  });
  s.spend(0.5);
  const e = s.decide(facts({ client: "curl" }));
  assert.equal(e.verdict.action, "block");
  assert.equal(e.reservation, null);
  assert.equal(s.ledger.tally(s.policy.budgets[0])?.inFlight, 0);
  // An allowed call reserves its expected cost.
  const ok = s.decide();
  assert.equal(ok.verdict.action, "allow");
  assert.equal(ok.reservation?.tallies.length, 1);
  assert.equal(s.ledger.tally(s.policy.budgets[0])?.inFlight, 1);
});

// ---- budgets ----

Deno.test("evaluate: a budget is under, then warns, then blocks at the cap", () => {
  const s = setup({ budgets: [{ id: "daily", window: "day", cap_usd: 1 }] });
  const settle = (e: ReturnType<typeof s.decide>) =>
    e.reservation && s.ledger.settle(e.reservation);
  s.spend(0.5);
  let e = s.decide();
  assert.deepEqual(e.verdict, { action: "allow", source: null, message: null });
  settle(e);
  s.spend(0.25); // 75%: still under the default warn_at of 0.8
  e = s.decide();
  assert.equal(e.verdict.action, "allow");
  settle(e);
  s.spend(0.125); // 87.5%
  e = s.decide();
  assert.equal(e.verdict.action, "warn");
  assert.deepEqual(e.verdict.source, { kind: "budget", id: "daily" });
  assert.equal(
    e.verdict.message,
    'Halton Meter budget "daily": $0.88 of $1.00 (87%) spent today for all calls; it resets at ' +
      "2026-03-12 00:00 UTC (in 12h 00m).",
  );
  assert.ok(e.reservation, "a warned call goes through and reserves");
  settle(e);
  s.spend(0.125); // exactly the cap
  e = s.decide();
  assert.equal(e.verdict.action, "block");
  assert.deepEqual(e.verdict.source, { kind: "budget", id: "daily" });
  assert.equal(e.reservation, null);
  assert.equal(
    e.verdict.message,
    'Halton Meter budget "daily" is exhausted: $1.00 of $1.00 spent today for all calls; ' +
      "it resets at 2026-03-12 00:00 UTC (in 12h 00m).",
  );
  // At the reset the budget is open again.
  s.ctx.now = Date.parse("2026-03-12T00:00:00Z");
  assert.equal(s.decide().verdict.action, "allow");
});

Deno.test("evaluate: on_exceed warn keeps warning past the cap; warn_at is honoured", () => {
  const s = setup({
    time_zone: "Europe/Paris",
    budgets: [{
      id: "all-week",
      window: "week",
      cap_usd: 40,
      warn_at: 0.5,
      on_exceed: "warn",
      scope: { project: "acme", model: ["claude-*", "gpt-*"] },
      message: "Ask Ana for more.",
    }],
  });
  s.spend(20);
  const half = s.decide();
  assert.equal(half.verdict.action, "warn");
  assert.equal(
    half.verdict.message,
    'Halton Meter budget "all-week": $20.00 of $40.00 (50%) spent this week for project acme, ' +
      "model claude-*|gpt-*; it resets at 2026-03-16 00:00 Europe/Paris (in 4d 11h). Ask Ana for more.",
  );
  if (half.reservation) s.ledger.settle(half.reservation);
  s.spend(30.12);
  const over = s.decide();
  assert.equal(over.verdict.action, "warn");
  assert.match(
    over.verdict.message ?? "",
    /^Halton Meter budget "all-week" is exhausted: \$50\.12 of \$40\.00 spent this week/,
  );
  assert.ok(over.reservation);
  // Out of scope: not counted, not warned.
  assert.equal(s.decide(facts({ project: "other" })).verdict.action, "allow");
});

Deno.test("evaluate: token caps, and both caps (the first reached decides)", () => {
  const s = setup({
    budgets: [
      { id: "tok", window: "5h", cap_tokens: 1000 },
      { id: "both", window: "month", cap_usd: 100, cap_tokens: 100_000 },
    ],
  });
  s.spend(0.01, 1500);
  const e = s.decide();
  assert.equal(e.verdict.action, "block");
  assert.deepEqual(e.verdict.source, { kind: "budget", id: "tok" });
  assert.match(
    e.verdict.message ?? "",
    /^Halton Meter budget "tok" is exhausted: 1,500 of 1,000 tokens spent in the last 5h for all calls; spend ages out of the 5h window from 2026-03-11 17:00 UTC \(in 5h 00m\)\.$/,
  );
  const t = setup({
    budgets: [{ id: "both", window: "month", cap_usd: 100, cap_tokens: 100_000 }],
  });
  t.spend(90, 10_000); // 90% by USD, 10% by tokens
  // (explain: a decision would reserve, and the reservation would count below)
  assert.match(t.explain().verdict.message ?? "", /\$90\.00 of \$100\.00 \(90%\) spent this month/);
  t.spend(0, 95_000); // now 105% by tokens
  const byTokens = t.decide().verdict;
  assert.equal(byTokens.action, "block");
  assert.match(byTokens.message ?? "", /105,000 of 100,000 tokens spent this month/);
  assert.match(byTokens.message ?? "", /resets at 2026-04-01 00:00 UTC \(in 20d 12h\)/);
});

Deno.test("evaluate: calls in flight count against the cap (concurrency overshoot guard)", () => {
  const s = setup({ budgets: [{ id: "daily", window: "day", cap_usd: 1 }] });
  // Three calls of $0.25: the estimate of one more is $0.25 and $0.25 is left.
  s.spend(0.25);
  s.spend(0.25);
  s.spend(0.25);
  const first = s.decide();
  assert.equal(first.verdict.action, "allow", "75%: under the warn level");
  assert.deepEqual(first.reservation?.usd, [0.25]);
  // With that call in flight the budget is full: the next concurrent call is refused.
  const second = s.decide();
  assert.equal(second.verdict.action, "block");
  assert.match(
    second.verdict.message ?? "",
    /is exhausted: \$1\.00 of \$1\.00 spent today \(1 call\(s\) in flight counted\) for all calls/,
  );
  // When the first call ends (cheaper than feared), there is room again.
  if (first.reservation) s.ledger.settle(first.reservation);
  s.spend(0.05);
  const third = s.decide();
  assert.equal(third.verdict.action, "warn");
  assert.match(third.verdict.message ?? "", /\$0\.80 of \$1\.00 \(80%\)/);
});

Deno.test("evaluate: a fresh budget with no calls reserves nothing, then learns", () => {
  const s = setup({ budgets: [{ id: "daily", window: "day", cap_usd: 1 }] });
  const e = s.decide();
  assert.deepEqual(e.reservation?.usd, [0]);
  assert.equal(s.decide().verdict.action, "allow");
});

Deno.test("evaluate: non-billable endpoints are not held by budgets or quotas, but by rules", () => {
  const s = setup({
    rules: [{
      id: "no-telemetry",
      match: { endpoint: "other", host: "*.anthropic.com" },
      action: "block",
    }],
    budgets: [{ id: "daily", window: "day", cap_usd: 1 }],
    quota: [{ id: "claude-5h", window: "5h", block_at: 0.9 }],
  });
  s.spend(5);
  s.ctx.quota.update(KEY, "anthropic", NOW - MIN, unifiedHeaders(0.99, NOW + HOUR));
  const count = s.decide(facts({ endpoint: "count_tokens" }));
  assert.deepEqual(count.verdict, { action: "allow", source: null, message: null });
  assert.equal(count.reservation?.tallies.length, 0);
  const other = s.decide(facts({ endpoint: "other", model: null }));
  assert.equal(other.verdict.action, "block");
  assert.deepEqual(other.verdict.source, { kind: "rule", id: "no-telemetry" });
  const trace = s.explain(facts({ endpoint: "count_tokens" })).steps;
  assert.deepEqual(trace.map((t) => [t.kind, t.id, t.outcome, t.detail]), [
    ["rule", "no-telemetry", "no match", "endpoint other, host *.anthropic.com"],
    ["budget", "daily", "not billable", "endpoint count_tokens"],
    ["quota", "claude-5h", "not billable", "endpoint count_tokens"],
  ]);
  // The same call to messages is held by both.
  assert.equal(s.decide().verdict.action, "block");
});

Deno.test("evaluate: rule warn plus budget: block beats warn, warnings add up", () => {
  const s = setup({
    rules: [{ id: "sonnet-note", match: { model: "claude-sonnet-*" }, action: "warn" }],
    budgets: [
      { id: "daily-soft", window: "day", cap_usd: 10, on_exceed: "warn" },
      { id: "hourly", window: "1h", cap_usd: 2 },
    ],
  });
  s.spend(1.9);
  // 19% of daily, 95% of hourly: the rule's warning first, then the hourly budget's.
  const warned = s.decide().verdict;
  assert.equal(warned.action, "warn");
  assert.deepEqual(warned.source, { kind: "rule", id: "sonnet-note" });
  assert.equal(warned.alsoWarned?.length, 1);
  assert.match(
    warned.alsoWarned?.[0] ?? "",
    /^Halton Meter budget "hourly": \$1\.90 of \$2\.00 \(95%\)/,
  );
  s.spend(0.5);
  const blocked = s.decide().verdict;
  assert.equal(blocked.action, "block");
  assert.deepEqual(blocked.source, { kind: "budget", id: "hourly" });
  assert.equal(blocked.alsoWarned, undefined);
});

Deno.test("evaluate: the first exhausted blocking budget names the block", () => {
  const s = setup({
    budgets: [
      { id: "soft", window: "day", cap_usd: 1, on_exceed: "warn" },
      { id: "hard-a", window: "day", cap_usd: 2 },
      { id: "hard-b", window: "week", cap_usd: 2 },
    ],
  });
  s.spend(3);
  assert.deepEqual(s.decide().verdict.source, { kind: "budget", id: "hard-a" });
  // explain still lists the rest.
  const { steps } = s.explain();
  assert.deepEqual(steps.map((t) => [t.id, t.outcome]), [
    ["soft", "warn"],
    ["hard-a", "block"],
    ["hard-b", "block"],
  ]);
});

Deno.test("evaluate: a budget whose totals could not be read is not enforced", () => {
  const policy = compilePolicy({ budgets: [{ id: "daily", window: "day", cap_usd: 1 }] }, "UTC");
  const ledger = new BudgetLedger();
  ledger.setBudgets(policy.budgets, NOW, () => {
    throw new Error("database is locked");
  });
  const ctx = { now: NOW, ledger, quota: new QuotaBook() };
  ledger.record({ ...FACTS, startedAt: NOW - MIN, costUsd: 5, tokens: 0 }, NOW);
  assert.equal(evaluate(policy, FACTS, ctx).verdict.action, "allow");
  const steps: TraceStep[] = [];
  evaluate(policy, FACTS, ctx, steps);
  assert.deepEqual(steps, [{
    kind: "budget",
    id: "daily",
    outcome: "not enforced",
    detail: "totals unavailable",
  }]);
});

// ---- quota rules ----

Deno.test("evaluate: quota rules warn and block on the reported utilization", () => {
  const s = setup({
    quota: [{
      id: "claude-5h",
      window: "5h",
      warn_at: 0.8,
      block_at: 0.97,
      message: "Take a walk.",
    }],
  });
  const reset = NOW + 2 * HOUR;
  // Nothing reported yet: no data, allowed.
  assert.equal(s.decide().verdict.action, "allow");
  assert.equal(s.explain().steps[0].outcome, "no data");
  assert.equal(s.explain().steps[0].detail, "no 5h window seen for this account yet");
  s.ctx.quota.update(KEY, "anthropic", NOW - MIN, unifiedHeaders(0.5, reset));
  assert.equal(s.decide().verdict.action, "allow");
  assert.equal(s.explain().steps[0].outcome, "under");
  s.ctx.quota.update(KEY, "anthropic", NOW, unifiedHeaders(0.85, reset));
  const warn = s.decide().verdict;
  assert.equal(warn.action, "warn");
  assert.deepEqual(warn.source, { kind: "quota", id: "claude-5h" });
  assert.equal(
    warn.message,
    'Halton Meter quota rule "claude-5h": the 5h subscription window is at 85% (warn at 80%); ' +
      "it resets at 2026-03-11 14:00 UTC (in 2h 00m). Take a walk.",
  );
  s.ctx.quota.update(KEY, "anthropic", NOW, unifiedHeaders(0.97, reset));
  const block = s.decide();
  assert.equal(block.verdict.action, "block");
  assert.equal(block.reservation, null);
  assert.equal(
    block.verdict.message,
    'Halton Meter quota rule "claude-5h": the 5h subscription window is at 97% (block at 97%); ' +
      "it resets at 2026-03-11 14:00 UTC (in 2h 00m). Take a walk.",
  );
  // Another account is not held by this account's window.
  assert.equal(s.decide(facts({ key: "ffff0000" })).verdict.action, "allow");
  // Once the reset has passed the window counts as empty.
  s.ctx.now = reset;
  assert.equal(s.decide().verdict.action, "allow");
  assert.equal(s.explain().steps[0].outcome, "under");
  assert.match(s.explain().steps[0].detail, /is at 0%/);
});

Deno.test("evaluate: quota rules narrowed by account globs and match", () => {
  const s = setup({
    quota: [
      { id: "team-5h", window: "5h", account: ["ff*", "00000000"], block_at: 0.5 },
      { id: "cc-7d", window: "7d", match: { client: "claude-code" }, warn_at: 0.5 },
    ],
  });
  s.ctx.quota.update(KEY, "anthropic", NOW, unifiedHeaders(0.9, NOW + HOUR, 0.6));
  s.ctx.quota.update("FFEE0011", "anthropic", NOW, unifiedHeaders(0.9, NOW + HOUR, 0.6));
  // a1b2c3d4 is not in team-5h; its 7d window warns.
  const mine = s.decide().verdict;
  assert.equal(mine.action, "warn");
  assert.deepEqual(mine.source, { kind: "quota", id: "cc-7d" });
  // The account glob is case-insensitive like every glob.
  const team = s.decide(facts({ key: "FFEE0011" })).verdict;
  assert.equal(team.action, "block");
  assert.deepEqual(team.source, { kind: "quota", id: "team-5h" });
  // No key: a rule naming accounts does not apply.
  const { steps } = s.explain(facts({ key: null, client: "curl" }));
  assert.deepEqual(steps.map((t) => [t.id, t.outcome]), [["team-5h", "no match"], [
    "cc-7d",
    "no match",
  ]]);
});

Deno.test("evaluate: a quota rule with only warn_at never blocks", () => {
  const s = setup({ quota: [{ id: "w", window: "5h", warn_at: 0.9 }] });
  s.ctx.quota.update(KEY, "anthropic", NOW, unifiedHeaders(1.2, NOW + HOUR));
  const v = s.decide().verdict;
  assert.equal(v.action, "warn");
  assert.match(v.message ?? "", /is at 120% \(warn at 90%\)/);
});

// ---- explain ----

Deno.test("explain: lists every rule, budget and quota rule with its outcome", () => {
  const s = setup({
    rules: [
      { id: "r-gpt", match: { model: "gpt-*" }, action: "block" },
      { id: "r-acme", match: { project: "acme" }, action: "block", message: "acme is frozen" },
      { id: "r-after", action: "warn" },
    ],
    budgets: [
      { id: "b-daily", window: "day", cap_usd: 1 },
      { id: "b-opus", window: "day", cap_usd: 1, scope: { model: "*opus*" } },
    ],
    quota: [{ id: "q-5h", window: "5h", warn_at: 0.5 }],
  });
  s.spend(0.9);
  s.ctx.quota.update(KEY, "anthropic", NOW, unifiedHeaders(0.6, NOW + HOUR));
  const { verdict, steps } = s.explain();
  assert.equal(verdict.action, "block");
  assert.deepEqual(verdict.source, { kind: "rule", id: "r-acme" });
  assert.deepEqual(steps.map((t) => [t.kind, t.id, t.outcome]), [
    ["rule", "r-gpt", "no match"],
    ["rule", "r-acme", "block"],
    ["rule", "r-after", "not reached"],
    ["budget", "b-daily", "warn"],
    ["budget", "b-opus", "no match"],
    ["quota", "q-5h", "warn"],
  ]);
  assert.equal(steps[0].detail, "model gpt-*");
  assert.equal(steps[1].detail, "project acme");
  assert.equal(steps[2].detail, "an earlier rule matched");
  assert.match(steps[3].detail, /^Halton Meter budget "b-daily": \$0\.90 of \$1\.00 \(90%\)/);
  assert.equal(steps[4].detail, "model *opus*");
  assert.match(steps[5].detail, /the 5h subscription window is at 60%/);
  // explain took no reservation: a real decision right after sees none in flight.
  assert.equal(s.ledger.tally(s.policy.budgets[0])?.inFlight, 0);
  // A rule with no match spec is "all calls".
  const t = setup({ rules: [{ id: "all", action: "allow" }] });
  assert.deepEqual(t.explain().steps, [
    { kind: "rule", id: "all", outcome: "allow", detail: "all calls" },
  ]);
  assert.deepEqual(t.decide().verdict, {
    action: "allow",
    source: { kind: "rule", id: "all" },
    message: null,
  });
});

Deno.test("evaluate: a rolling budget says when its spend ages out", () => {
  const s = setup({ budgets: [{ id: "five", window: "5h", cap_usd: 1 }] });
  s.ledger.record(
    { ...FACTS, startedAt: NOW - 3 * HOUR, costUsd: 0.75, tokens: 0 },
    NOW,
  );
  s.spend(0.5);
  const v = s.decide().verdict;
  assert.equal(v.action, "block");
  // The $0.75 from 09:00 leaves at 14:01 (its minute, plus 5 h): then $0.50 remains.
  assert.equal(
    v.message,
    'Halton Meter budget "five" is exhausted: $1.25 of $1.00 spent in the last 5h for all calls; ' +
      "spend ages out of the 5h window from 2026-03-11 14:01 UTC (in 2h 01m).",
  );
  s.ctx.now = Date.parse("2026-03-11T14:01:00Z");
  assert.equal(s.decide().verdict.action, "allow");
});
