import assert from "node:assert/strict";
import {
  type Provider,
  REMOTE_DATA_JSON_URL,
  updatePrices,
  waitForUpdate,
} from "@pydantic/genai-prices";
import { emptyUsage } from "../../core/mod.ts";
import { priceCall } from "./price_call.ts";
import { BUNDLED_PRICE_VERSION } from "./price_version.ts";
import { type PriceUpdateDeps, updatePriceData } from "./update_price_data.ts";

// No test here touches the network: `fetch` is always a stub passed in `deps`.

const NOW = Date.UTC(2026, 0, 2, 3, 4, 5);

/** Runs `fn`, then puts the bundled data back (the library keeps it per process). */
async function withBundledData(fn: (bundled: Provider[]) => Promise<void>): Promise<void> {
  const bundled = await waitForUpdate();
  assert.ok(bundled);
  try {
    await fn(bundled);
  } finally {
    updatePrices(({ setProviderData }) => setProviderData(bundled));
  }
}

function deps(respond: (url: string, signal: AbortSignal) => Promise<Response>): PriceUpdateDeps {
  return { fetch: (url, init) => respond(url, init.signal), now: () => NOW };
}

/** One million input tokens of claude-sonnet-4: its input price in USD. */
function sonnetInputPrice(): { usd: number | null; version: string | null } {
  const cost = priceCall({
    provider: "anthropic",
    host: "api.anthropic.com",
    path: "/v1/messages",
    model: "claude-sonnet-4-20250514",
    usage: { ...emptyUsage(), completeness: "complete", inputTokens: 1_000_000, outputTokens: 0 },
    startedAt: NOW,
  });
  return { usd: cost.totalUsd, version: cost.priceVersion };
}

function withSonnetInputPrice(bundled: Provider[], price: number): Provider[] {
  const copy: Provider[] = JSON.parse(JSON.stringify(bundled));
  const model = copy.find((p) => p.id === "anthropic")?.models.find((m) =>
    m.id === "claude-sonnet-4-0"
  );
  assert.ok(model && !Array.isArray(model.prices));
  model.prices.input_mtok = price;
  return copy;
}

Deno.test("a good download replaces the data and names its version", async () => {
  await withBundledData(async (bundled) => {
    assert.deepEqual(sonnetInputPrice(), { usd: 3, version: BUNDLED_PRICE_VERSION });
    const urls: string[] = [];
    const body = JSON.stringify(withSonnetInputPrice(bundled, 4));
    const outcome = await updatePriceData(deps((url) => {
      urls.push(url);
      return Promise.resolve(new Response(body));
    }));
    assert.deepEqual(urls, [REMOTE_DATA_JSON_URL]);
    assert.ok(outcome.ok, JSON.stringify(outcome));
    assert.match(
      outcome.priceVersion,
      /^genai-prices@\d+\.\d+\.\d+\+remote:2026-01-02T03:04:05\.000Z:[0-9a-f]{12}$/,
    );
    assert.equal(outcome.providers, bundled.length);
    assert.deepEqual(sonnetInputPrice(), { usd: 4, version: outcome.priceVersion });
  });
  assert.deepEqual(sonnetInputPrice(), { usd: 3, version: BUNDLED_PRICE_VERSION });
});

Deno.test("failed downloads keep the current data", async () => {
  await withBundledData(async (bundled) => {
    const cases: Array<[string, () => Promise<Response>, string]> = [
      ["fetch_failed", () => Promise.reject(new TypeError("dns error")), "dns error"],
      ["http_error", () => Promise.resolve(new Response("busy", { status: 503 })), "503"],
      ["invalid_data", () => Promise.resolve(new Response("<html>")), "not JSON"],
      ["invalid_data", () => Promise.resolve(new Response('{"providers":[]}')), "shape"],
      ["invalid_data", () => Promise.resolve(new Response("[]")), "shape"],
    ];
    for (const [reason, respond, detail] of cases) {
      const outcome = await updatePriceData(deps(respond));
      assert.equal(outcome.ok, false);
      assert.ok(!outcome.ok && outcome.reason === reason, JSON.stringify(outcome));
      assert.ok(outcome.detail.includes(detail), outcome.detail);
      assert.deepEqual(sonnetInputPrice(), { usd: 3, version: BUNDLED_PRICE_VERSION });
    }
    const tooBig = await updatePriceData(
      deps(() => Promise.resolve(new Response(JSON.stringify(bundled)))),
      { maxBytes: 1000 },
    );
    assert.ok(!tooBig.ok && tooBig.reason === "too_large", JSON.stringify(tooBig));
  });
});

Deno.test("a download that hangs is abandoned after the timeout", async () => {
  const outcome = await updatePriceData(
    deps((_url, signal) =>
      new Promise((_resolve, reject) => {
        signal.addEventListener("abort", () => reject(signal.reason), { once: true });
      })
    ),
    { timeoutMs: 20 },
  );
  assert.ok(!outcome.ok && outcome.reason === "fetch_failed", JSON.stringify(outcome));
  assert.match(outcome.detail, /timed out after 20 ms/);
});

Deno.test("data with a broken regex never reaches the library", async () => {
  await withBundledData(async (bundled) => {
    const data: Provider[] = JSON.parse(JSON.stringify(bundled));
    data[0].api_pattern = "https://(unclosed";
    const outcome = await updatePriceData(
      deps(() => Promise.resolve(new Response(JSON.stringify(data)))),
    );
    assert.ok(!outcome.ok && outcome.reason === "invalid_data", JSON.stringify(outcome));
    assert.deepEqual(sonnetInputPrice(), { usd: 3, version: BUNDLED_PRICE_VERSION });
  });
});

Deno.test("data the library refuses, or that cannot price known models, is rolled back", async () => {
  await withBundledData(async (bundled) => {
    const onlyAcme: Provider[] = [{
      id: "acme",
      name: "Acme",
      api_pattern: "https://api\\.acme\\.test",
      models: [{ id: "m", match: { equals: "m" }, prices: { input_mtok: 1 } }],
    }];
    const badConstraint = JSON.parse(JSON.stringify(bundled));
    badConstraint[0].models[0].prices = [{ constraint: { bogus: 1 }, prices: { input_mtok: 1 } }];
    for (const data of [onlyAcme, badConstraint]) {
      const outcome = await updatePriceData(
        deps(() => Promise.resolve(new Response(JSON.stringify(data)))),
      );
      assert.ok(!outcome.ok && outcome.reason === "rejected", JSON.stringify(outcome));
      assert.deepEqual(sonnetInputPrice(), { usd: 3, version: BUNDLED_PRICE_VERSION });
    }
  });
});
