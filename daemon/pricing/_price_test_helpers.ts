import assert from "node:assert/strict";
import { findProvider } from "@pydantic/genai-prices";
import { type Cost, emptyUsage, type Usage } from "../../core/mod.ts";
import type { PriceCallInput } from "./price_call.ts";
import { BUNDLED_PRICE_VERSION } from "./price_version.ts";

// Expected figures are computed here as tokens × (USD per million) / 1e6 from the
// price table the library ships, read directly from its data, never by asking the
// library to price. A few tables are also pinned to literal numbers so a change in
// the data's meaning shows up as a failure here.

/** Fails the test if pricing touches the network or makes the library warn. */
export function offlineTest(name: string, fn: () => void | Promise<void>): void {
  Deno.test(name, async () => {
    const realFetch = globalThis.fetch;
    const realWarn = console.warn;
    let fetchCalls = 0;
    const warnings: unknown[][] = [];
    globalThis.fetch = () => {
      fetchCalls++;
      return Promise.reject(new Error("network is off in pricing tests"));
    };
    console.warn = (...args: unknown[]) => {
      warnings.push(args);
    };
    try {
      await fn();
    } finally {
      globalThis.fetch = realFetch;
      console.warn = realWarn;
    }
    assert.equal(fetchCalls, 0, "pricing must not fetch");
    assert.deepEqual(warnings, [], "the library warned (unknown usage or price key?)");
  });
}

export type Table = Record<string, unknown>;

/** The model's price table in the library's data, dated prices resolved for `at`. */
export function table(providerId: string, modelId: string, at: Date): Table {
  const provider = findProvider({ providerId });
  assert.ok(provider, `provider ${providerId} in the data`);
  const model = provider.models.find((m) => m.id === modelId);
  assert.ok(model, `model ${modelId} in ${providerId}'s data`);
  if (!Array.isArray(model.prices)) return model.prices;
  let chosen: Table = model.prices[0].prices;
  for (const entry of model.prices) {
    const c = entry.constraint;
    if (c === undefined || (c.type === "start_date" && at >= new Date(c.start_date))) {
      chosen = entry.prices;
    }
  }
  return chosen;
}

/** USD per million tokens; a tiered price applies its tier to the whole request. */
export function rate(t: Table, key: string, totalInput: number): number {
  const price = t[key];
  if (typeof price === "number") return price;
  assert.ok(typeof price === "object" && price !== null, `price ${key} present`);
  const { base, tiers } = price as { base: number; tiers: { start: number; price: number }[] };
  let r = base;
  for (const tier of [...tiers].sort((a, b) => a.start - b.start)) {
    if (totalInput > tier.start) r = tier.price;
  }
  return r;
}

export const usd = (tokens: number, perMillion: number) => tokens * perMillion / 1e6;

export function close(actual: number | null, expected: number, what: string): void {
  assert.notEqual(actual, null, `${what} is null`);
  const diff = Math.abs((actual ?? NaN) - expected);
  assert.ok(diff <= 1e-12 * Math.max(1, Math.abs(expected)), `${what}: ${actual} != ${expected}`);
}

export function assertCost(
  cost: Cost,
  expected: { input: number; cacheRead: number; cacheWrite: number; output: number },
): void {
  assert.equal(cost.unpricedReason, null);
  assert.equal(cost.priceVersion, BUNDLED_PRICE_VERSION);
  close(cost.inputUsd, expected.input, "inputUsd");
  close(cost.cacheReadUsd, expected.cacheRead, "cacheReadUsd");
  close(cost.cacheWriteUsd, expected.cacheWrite, "cacheWriteUsd");
  close(cost.outputUsd, expected.output, "outputUsd");
  const sum = expected.input + expected.cacheRead + expected.cacheWrite + expected.output;
  close(cost.totalUsd, sum, "totalUsd");
  assertAddsUp(cost);
}

export function assertAddsUp(cost: Cost): void {
  assert.equal(
    cost.totalUsd,
    (cost.inputUsd ?? NaN) + (cost.cacheReadUsd ?? NaN) + (cost.cacheWriteUsd ?? NaN) +
      (cost.outputUsd ?? NaN),
    "components add up to the total",
  );
}

export function usage(partial: Partial<Usage>): Usage {
  return { ...emptyUsage(), completeness: "complete", ...partial };
}

export const AT = new Date(Date.UTC(2025, 9, 1)); // 2025-10-01
const ENDPOINTS: Record<string, { host: string; path: string }> = {
  anthropic: { host: "api.anthropic.com", path: "/v1/messages" },
  openai: { host: "api.openai.com", path: "/v1/chat/completions" },
  gemini: { host: "generativelanguage.googleapis.com", path: "/v1beta/models/M:generateContent" },
};

export function call(provider: string, model: string | null, u: Usage, at = AT): PriceCallInput {
  const e = ENDPOINTS[provider];
  return {
    provider,
    host: e.host,
    path: e.path.replace("M", model ?? ""),
    model,
    usage: u,
    startedAt: at.getTime(),
  };
}
