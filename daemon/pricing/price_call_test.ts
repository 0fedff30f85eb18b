import assert from "node:assert/strict";
import type { Cost } from "../../core/mod.ts";
import { priceCall } from "./price_call.ts";
import {
  assertCost,
  AT,
  call,
  close,
  offlineTest,
  rate,
  table,
  usage,
  usd,
} from "./_price_test_helpers.ts";

offlineTest("the bundled tables these tests read still mean what we expect", () => {
  const sonnet4 = table("anthropic", "claude-sonnet-4-0", AT);
  assert.deepEqual(
    [sonnet4.input_mtok, sonnet4.cache_write_mtok, sonnet4.cache_write_1h_mtok],
    [3, 3.75, 6],
  );
  assert.deepEqual([sonnet4.cache_read_mtok, sonnet4.output_mtok], [0.3, 15]);
  const sonnet45 = table("anthropic", "claude-sonnet-4-5", AT);
  assert.equal(rate(sonnet45, "input_mtok", 200_001), 6);
  assert.equal(rate(sonnet45, "output_mtok", 200_001), 22.5);
});

offlineTest("claude-sonnet-4: uncached input, cache read, 5m and 1h writes, output", () => {
  const u = usage({
    inputTokens: 120_000, // total, including the cache counts below
    cacheReadTokens: 80_000,
    cacheWrite5mTokens: 10_000,
    cacheWrite1hTokens: 5_000,
    outputTokens: 2_000,
    reasoningTokens: 500,
  });
  const t = table("anthropic", "claude-sonnet-4-0", AT);
  assertCost(priceCall(call("anthropic", "claude-sonnet-4-20250514", u)), {
    input: usd(25_000, rate(t, "input_mtok", 0)),
    cacheRead: usd(80_000, rate(t, "cache_read_mtok", 0)),
    cacheWrite: usd(10_000, rate(t, "cache_write_mtok", 0)) +
      usd(5_000, rate(t, "cache_write_1h_mtok", 0)),
    output: usd(2_000, rate(t, "output_mtok", 0)),
  });
});

offlineTest("claude-opus-4-1: 1h cache writes at the data's 1h price (2x input)", () => {
  const t = table("anthropic", "claude-opus-4-1", AT);
  assert.equal(t.cache_write_1h_mtok, 2 * (t.input_mtok as number));
  const u = usage({
    inputTokens: 50_000,
    cacheWrite1hTokens: 40_000,
    outputTokens: 1_000,
  });
  assertCost(priceCall(call("anthropic", "claude-opus-4-1-20250805", u)), {
    input: usd(10_000, rate(t, "input_mtok", 0)),
    cacheRead: 0,
    cacheWrite: usd(40_000, rate(t, "cache_write_1h_mtok", 0)),
    output: usd(1_000, rate(t, "output_mtok", 0)),
  });
});

offlineTest("claude haiku ids: claude-3-5-haiku and claude-haiku-4-5", () => {
  const u = usage({ inputTokens: 3_000, cacheReadTokens: 1_000, outputTokens: 400 });
  for (
    const [requested, dataId] of [
      ["claude-3-5-haiku-20241022", "claude-3-5-haiku-latest"],
      ["claude-haiku-4-5-20251001", "claude-haiku-4-5"],
    ]
  ) {
    const t = table("anthropic", dataId, AT);
    assertCost(priceCall(call("anthropic", requested, u)), {
      input: usd(2_000, rate(t, "input_mtok", 0)),
      cacheRead: usd(1_000, rate(t, "cache_read_mtok", 0)),
      cacheWrite: 0,
      output: usd(400, rate(t, "output_mtok", 0)),
    });
  }
});

offlineTest("long context: above 200k total input the whole request uses the tier", () => {
  const t = table("anthropic", "claude-sonnet-4-5", AT);
  for (const total of [200_000, 200_001]) {
    const u = usage({
      inputTokens: total,
      cacheReadTokens: 50_000,
      cacheWrite5mTokens: 10_000,
      cacheWrite1hTokens: 1_000,
      outputTokens: 4_000,
    });
    const cost = priceCall(call("anthropic", "claude-sonnet-4-5-20250929", u));
    assertCost(cost, {
      input: usd(total - 61_000, rate(t, "input_mtok", total)),
      cacheRead: usd(50_000, rate(t, "cache_read_mtok", total)),
      cacheWrite: usd(10_000, rate(t, "cache_write_mtok", total)) +
        usd(1_000, rate(t, "cache_write_1h_mtok", total)),
      output: usd(4_000, rate(t, "output_mtok", total)),
    });
  }
  // The tier really is higher: output at 22.5 instead of 15 per million.
  const at200k = priceCall(call(
    "anthropic",
    "claude-sonnet-4-5",
    usage({
      inputTokens: 200_000,
      outputTokens: 1_000_000,
    }),
  ));
  const over = priceCall(call(
    "anthropic",
    "claude-sonnet-4-5",
    usage({
      inputTokens: 200_001,
      outputTokens: 1_000_000,
    }),
  ));
  close(at200k.outputUsd, 15, "output at 200k");
  close(over.outputUsd, 22.5, "output over 200k");
});

offlineTest("gemini-2.5-pro: thoughts billed as output, tier by total input", () => {
  const t = table("google", "gemini-2.5-pro", AT);
  for (const total of [150_000, 250_000]) {
    const u = usage({
      inputTokens: total,
      cacheReadTokens: 100_000,
      outputTokens: 3_000, // candidates + thoughts
      reasoningTokens: 2_000,
    });
    assertCost(priceCall(call("gemini", "gemini-2.5-pro", u)), {
      input: usd(total - 100_000, rate(t, "input_mtok", total)),
      cacheRead: usd(100_000, rate(t, "cache_read_mtok", total)),
      cacheWrite: 0,
      output: usd(3_000, rate(t, "output_mtok", total)),
    });
  }
});

offlineTest("Claude on Vertex: no 1h price in the data, so 1h writes cost 2x input", () => {
  const t = table("google", "claude-sonnet-4-5", AT);
  assert.equal(t.cache_write_1h_mtok, undefined, "why this test exists");
  for (const total of [100_000, 300_000]) {
    const u = usage({
      inputTokens: total,
      cacheWrite5mTokens: 20_000,
      cacheWrite1hTokens: 30_000,
      outputTokens: 500,
    });
    const cost = priceCall({
      provider: "anthropic",
      host: "us-east5-aiplatform.googleapis.com",
      path: "/v1/projects/p/locations/us-east5/publishers/anthropic/models/" +
        "claude-sonnet-4-5@20250929:streamRawPredict",
      model: "claude-sonnet-4-5@20250929",
      usage: u,
      startedAt: AT.getTime(),
    });
    assertCost(cost, {
      input: usd(total - 50_000, rate(t, "input_mtok", total)),
      cacheRead: 0,
      cacheWrite: usd(20_000, rate(t, "cache_write_mtok", total)) +
        usd(30_000, 2 * rate(t, "input_mtok", total)),
      output: usd(500, rate(t, "output_mtok", total)),
    });
  }
});

offlineTest("gpt-4o and gpt-4.1-mini with cached prompt tokens", () => {
  const u = usage({ inputTokens: 10_000, cacheReadTokens: 6_000, outputTokens: 700 });
  for (const model of ["gpt-4o", "gpt-4.1-mini"]) {
    const t = table("openai", model, AT);
    assertCost(priceCall(call("openai", model, u)), {
      input: usd(4_000, rate(t, "input_mtok", 0)),
      cacheRead: usd(6_000, rate(t, "cache_read_mtok", 0)),
      cacheWrite: 0,
      output: usd(700, rate(t, "output_mtok", 0)),
    });
  }
});

offlineTest("o3 and o4-mini: reasoning is part of output; o3 uses the price of its day", () => {
  const u = usage({
    inputTokens: 2_000,
    cacheReadTokens: 1_000,
    outputTokens: 5_000,
    reasoningTokens: 4_200,
  });
  const before = new Date(Date.UTC(2025, 4, 1));
  const costs: Cost[] = [];
  for (const [model, at] of [["o3", before], ["o3", AT], ["o4-mini", AT]] as const) {
    const t = table("openai", model, at);
    const cost = priceCall(call("openai", model, u, at));
    assertCost(cost, {
      input: usd(1_000, rate(t, "input_mtok", 0)),
      cacheRead: usd(1_000, rate(t, "cache_read_mtok", 0)),
      cacheWrite: 0,
      output: usd(5_000, rate(t, "output_mtok", 0)),
    });
    costs.push(cost);
  }
  assert.notEqual(costs[0].totalUsd, costs[1].totalUsd, "o3's price cut is applied by date");
});

offlineTest("batch halves token charges; flex halves them on OpenAI only", () => {
  const base = { inputTokens: 10_000, cacheReadTokens: 2_000, outputTokens: 1_000 };
  const s = table("anthropic", "claude-sonnet-4-0", AT);
  assertCost(
    priceCall(call("anthropic", "claude-sonnet-4-0", usage({ ...base, serviceTier: "batch" }))),
    {
      input: usd(8_000, s.input_mtok as number) / 2,
      cacheRead: usd(2_000, s.cache_read_mtok as number) / 2,
      cacheWrite: 0,
      output: usd(1_000, s.output_mtok as number) / 2,
    },
  );
  const o = table("openai", "o3", AT);
  assertCost(priceCall(call("openai", "o3", usage({ ...base, serviceTier: "flex" }))), {
    input: usd(8_000, o.input_mtok as number) / 2,
    cacheRead: usd(2_000, o.cache_read_mtok as number) / 2,
    cacheWrite: 0,
    output: usd(1_000, o.output_mtok as number) / 2,
  });
  const g = table("groq", "llama-3.3-70b-versatile", AT);
  const groq = priceCall({
    // An OpenAI-compatible adapter: the host, not the adapter family, names the provider.
    provider: "openai",
    host: "api.groq.com",
    path: "/openai/v1/chat/completions",
    model: "llama-3.3-70b-versatile",
    usage: usage({ inputTokens: 10_000, outputTokens: 1_000, serviceTier: "flex" }),
    startedAt: AT.getTime(),
  });
  assertCost(groq, {
    input: usd(10_000, g.input_mtok as number),
    cacheRead: 0,
    cacheWrite: 0,
    output: usd(1_000, g.output_mtok as number),
  });
});

offlineTest("web searches are in the total but in no token component", () => {
  const t = table("anthropic", "claude-sonnet-4-0", AT);
  const cost = priceCall(call(
    "anthropic",
    "claude-sonnet-4-0",
    usage({ inputTokens: 1_000, outputTokens: 100, webSearchRequests: 3 }),
  ));
  close(cost.inputUsd, usd(1_000, 3), "inputUsd");
  close(cost.outputUsd, usd(100, 15), "outputUsd");
  const tokens = (cost.inputUsd ?? 0) + (cost.cacheReadUsd ?? 0) + (cost.cacheWriteUsd ?? 0) +
    (cost.outputUsd ?? 0);
  close((cost.totalUsd ?? NaN) - tokens, 3 * (t.web_searches_kcount as number) / 1000, "searches");
});
