import assert from "node:assert/strict";
import type { Cost, Usage } from "../../core/mod.ts";
import { priceCall } from "./price_call.ts";
import { BUNDLED_PRICE_VERSION } from "./price_version.ts";
import {
  assertCost,
  AT,
  call,
  close,
  offlineTest,
  table,
  usage,
  usd,
} from "./_price_test_helpers.ts";

offlineTest("unknown or missing model is unpriced, never $0", () => {
  const u = usage({ inputTokens: 1_000, outputTokens: 100 });
  const expected: Cost = {
    totalUsd: null,
    inputUsd: null,
    cacheReadUsd: null,
    cacheWriteUsd: null,
    outputUsd: null,
    unpricedReason: "unpriced",
    priceVersion: BUNDLED_PRICE_VERSION,
  };
  assert.deepEqual(priceCall(call("anthropic", "claude-nonexistent-9", u)), expected);
  assert.deepEqual(priceCall(call("openai", "totally-unknown-model", u)), expected);
  assert.deepEqual(priceCall(call("anthropic", null, u)), expected);
  // A known provider never borrows another provider's price.
  assert.deepEqual(priceCall(call("anthropic", "gpt-4o", u)), expected);
});

offlineTest("the response model wins; unknown hosts fall back to the model name", () => {
  const t = table("openai", "gpt-4o", AT);
  const u = usage({ inputTokens: 1_000, outputTokens: 100, responseModel: "gpt-4o-2024-08-06" });
  const expected = {
    input: usd(1_000, t.input_mtok as number),
    cacheRead: 0,
    cacheWrite: 0,
    output: usd(100, t.output_mtok as number),
  };
  // Azure: the deployment name is not a model; the response names the model.
  assertCost(
    priceCall({
      provider: "azure",
      host: "myres.openai.azure.com",
      path: "/openai/deployments/prod-chat/chat/completions",
      model: "prod-chat",
      usage: u,
      startedAt: AT.getTime(),
    }),
    expected,
  );
  // Both known: the model that ran (response) is the one billed.
  const mini = table("openai", "gpt-4.1-mini", AT);
  assertCost(priceCall(call("openai", "gpt-4o", { ...u, responseModel: "gpt-4.1-mini" })), {
    input: usd(1_000, mini.input_mtok as number),
    cacheRead: 0,
    cacheWrite: 0,
    output: usd(100, mini.output_mtok as number),
  });
  assertCost(
    priceCall({
      provider: "corp-gateway",
      host: "llm.corp.example",
      path: "/v1/chat/completions",
      model: "gpt-4o",
      usage: { ...u, responseModel: null },
      startedAt: AT.getTime(),
    }),
    expected,
  );
});

offlineTest("no usage, and free token counting", () => {
  const none = priceCall(call("anthropic", "claude-sonnet-4-0", usage({ completeness: "none" })));
  assert.deepEqual(
    [none.totalUsd, none.inputUsd, none.outputUsd, none.unpricedReason],
    [null, null, null, "no_usage"],
  );
  const empty = priceCall(call("anthropic", "claude-sonnet-4-0", usage({})));
  assert.equal(empty.unpricedReason, "no_usage");
  for (
    const [host, path] of [
      ["api.anthropic.com", "/v1/messages/count_tokens"],
      ["generativelanguage.googleapis.com", "/v1beta/models/gemini-2.5-pro:countTokens"],
      ["api.openai.com", "/v1/responses/input_tokens"],
    ]
  ) {
    const cost = priceCall({
      provider: "x",
      host,
      path,
      model: "whatever",
      usage: usage({ completeness: "none", inputTokens: 5_000 }),
      startedAt: AT.getTime(),
    });
    assert.deepEqual(cost, {
      totalUsd: 0,
      inputUsd: 0,
      cacheReadUsd: 0,
      cacheWriteUsd: 0,
      outputUsd: 0,
      unpricedReason: null,
      priceVersion: BUNDLED_PRICE_VERSION,
    });
  }
});

offlineTest("incomplete usage: input side priced, output and total null", () => {
  const t = table("anthropic", "claude-sonnet-4-0", AT);
  const cost = priceCall(call(
    "anthropic",
    "claude-sonnet-4-0",
    usage({
      completeness: "incomplete",
      inputTokens: 10_000,
      cacheReadTokens: 4_000,
      cacheWrite5mTokens: 1_000,
      outputTokens: 3, // provisional count from message_start: not final
    }),
  ));
  assert.equal(cost.unpricedReason, "usage_incomplete");
  assert.equal(cost.totalUsd, null);
  assert.equal(cost.outputUsd, null);
  close(cost.inputUsd, usd(5_000, t.input_mtok as number), "inputUsd");
  close(cost.cacheReadUsd, usd(4_000, t.cache_read_mtok as number), "cacheReadUsd");
  close(cost.cacheWriteUsd, usd(1_000, t.cache_write_mtok as number), "cacheWriteUsd");

  const nothing = priceCall(call(
    "openai",
    "gpt-4o",
    usage({ completeness: "incomplete" }),
  ));
  assert.deepEqual(
    [nothing.totalUsd, nothing.inputUsd, nothing.unpricedReason],
    [null, null, "usage_incomplete"],
  );
});

offlineTest("inconsistent usage is an error row, never a throw", () => {
  const bad: Partial<Usage>[] = [
    { inputTokens: 100, cacheReadTokens: 200, outputTokens: 1 },
    { inputTokens: 100, cacheWrite5mTokens: 60, cacheWrite1hTokens: 60, outputTokens: 1 },
    { inputTokens: -1, outputTokens: 1 },
    { inputTokens: NaN, outputTokens: 1 },
    { inputTokens: 10, outputTokens: Infinity },
    { inputTokens: 10, outputTokens: 5, reasoningTokens: 6 },
  ];
  for (const b of bad) {
    const cost = priceCall(call("anthropic", "claude-sonnet-4-0", usage(b)));
    assert.equal(cost.unpricedReason, "error", JSON.stringify(b));
    assert.equal(cost.totalUsd, null);
  }
  const badDate = priceCall({
    ...call("anthropic", "claude-sonnet-4-0", usage({ inputTokens: 1, outputTokens: 1 })),
    startedAt: NaN,
  });
  assert.equal(badDate.unpricedReason, "error");
});

Deno.test("importing and pricing work with the network denied", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const script = `${dir}/price.ts`;
    const mod = new URL("./mod.ts", import.meta.url).href;
    const core = new URL("../../core/mod.ts", import.meta.url).href;
    await Deno.writeTextFile(
      script,
      `import { priceCall } from ${JSON.stringify(mod)};
import { emptyUsage } from ${JSON.stringify(core)};
const cost = priceCall({ provider: "anthropic", host: "api.anthropic.com", path: "/v1/messages",
  model: "claude-sonnet-4-0", startedAt: 0,
  usage: { ...emptyUsage(), completeness: "complete", inputTokens: 1000000, outputTokens: 0 } });
console.log(JSON.stringify(cost));`,
    );
    const config = new URL("../../deno.json", import.meta.url).pathname;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--deny-net", "--no-prompt", "--cached-only", "--config", config, script],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    const cost = JSON.parse(new TextDecoder().decode(out.stdout));
    assert.equal(cost.totalUsd, 3);
    assert.equal(cost.priceVersion, BUNDLED_PRICE_VERSION);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
