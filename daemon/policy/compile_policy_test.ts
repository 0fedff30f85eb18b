import assert from "node:assert/strict";
import { compilePolicy, factsKey, memoByFacts, SELECTION_MEMO_SIZE } from "./compile_policy.ts";
import type { PolicyFile } from "./policy_schema.ts";
import type { CallFacts } from "./types.ts";

const base: CallFacts = {
  provider: "anthropic",
  host: "api.anthropic.com",
  endpoint: "messages",
  model: "claude-opus-4-5",
  project: "web",
  client: "claude-code",
  key: "0a1b2c3d",
};

Deno.test("factsKey: null, empty and shifted values give different keys", () => {
  const keys = new Set([
    factsKey(base),
    factsKey({ ...base, project: null }),
    factsKey({ ...base, project: "" }),
    factsKey({ ...base, model: "claude-opus-4-5web", project: "" }),
    factsKey({ ...base, responseModel: "claude-opus-4-5" }),
    factsKey({ ...base, key: null }),
  ]);
  assert.equal(keys.size, 6);
  assert.equal(factsKey({ ...base }), factsKey(base), "equal facts, equal keys");
});

Deno.test("memoByFacts: computes once per distinct facts, and stays bounded", () => {
  let computed = 0;
  const f = memoByFacts((x) => {
    computed++;
    return x.project;
  });
  assert.equal(f(base), "web");
  assert.equal(f({ ...base }), "web");
  assert.equal(computed, 1);
  assert.equal(f({ ...base, project: "api" }), "api");
  assert.equal(computed, 2);
  for (let i = 0; i < SELECTION_MEMO_SIZE + 10; i++) f({ ...base, project: `p${i}` });
  computed = 0;
  f(base); // forgotten when the memo started over
  assert.equal(computed, 1);
});

Deno.test("select: the same answer as testing every rule, budget and quota rule (fuzz)", () => {
  const file: PolicyFile = {
    rules: [
      { id: "opus-web", match: { model: "claude-opus-*", project: "web" }, action: "block" },
      { id: "codex", match: { client: "codex-cli" }, action: "warn" },
      { id: "key", match: { key: "0a1b*" }, action: "allow" },
      { id: "gpt", match: { provider: "openai", model: ["gpt-5*", "o3*"] }, action: "block" },
    ],
    budgets: [
      { id: "all", window: "day", cap_usd: 10 },
      { id: "web", window: "week", cap_usd: 10, scope: { project: "web" } },
      { id: "sonnet", window: "5h", cap_tokens: 1000, scope: { model: "*sonnet*" } },
    ],
    quota: [
      { id: "q", window: "5h", warn_at: 0.8, account: "0a*" },
      { id: "q2", window: "7d", block_at: 0.9, match: { client: "claude-code" } },
    ],
  } as PolicyFile;
  const policy = compilePolicy(file, "UTC");
  const pick = <T>(xs: readonly T[], r: number) => xs[Math.floor(r * xs.length)];
  let seed = 7;
  const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (let i = 0; i < 2000; i++) {
    const facts: CallFacts = {
      provider: pick(["anthropic", "openai", "google"], rand()),
      host: pick(["api.anthropic.com", "api.openai.com"], rand()),
      endpoint: pick(["messages", "chat_completions", "other"], rand()),
      model: pick(["claude-opus-4-5", "CLAUDE-SONNET-4", "gpt-5.1", "o3-mini", null], rand()),
      responseModel: pick([undefined, null, "claude-sonnet-4-5"], rand()),
      project: pick(["web", "api", null], rand()),
      client: pick(["claude-code", "codex-cli", "curl", null], rand()),
      key: pick(["0a1b2c3d", "ffffffff", null], rand()),
    };
    const sel = policy.select(facts);
    assert.equal(sel.rule, policy.rules.find((r) => r.match.test(facts)) ?? null);
    assert.deepEqual(sel.budgets, policy.budgets.filter((b) => b.scope.test(facts)));
    assert.deepEqual(
      sel.quota,
      policy.quota.filter((q) =>
        q.match.test(facts) &&
        (q.account === null || (facts.key !== null && q.account(facts.key)))
      ),
    );
  }
});
