import assert from "node:assert/strict";
import { findProvider } from "@pydantic/genai-prices";
import {
  BUNDLED_PRICE_VERSION,
  GENAI_PRICES_VERSION,
  PRICE_VERSION_TAG,
  priceVersion,
} from "./price_version.ts";

Deno.test("GENAI_PRICES_VERSION is the version pinned in deno.json", async () => {
  const config = JSON.parse(
    await Deno.readTextFile(new URL("../../deno.json", import.meta.url)),
  );
  assert.equal(
    config.imports["@pydantic/genai-prices"],
    `npm:@pydantic/genai-prices@${GENAI_PRICES_VERSION}`,
    "bump GENAI_PRICES_VERSION in price_version.ts together with the pin",
  );
  assert.equal(BUNDLED_PRICE_VERSION, `genai-prices@${GENAI_PRICES_VERSION}`);
});

Deno.test("priceVersion: bundled providers are the bundled version, tagged ones their tag", () => {
  const bundled = findProvider({ providerId: "anthropic" });
  assert.ok(bundled);
  assert.equal(priceVersion(bundled), BUNDLED_PRICE_VERSION);
  assert.equal(priceVersion(undefined), BUNDLED_PRICE_VERSION);
  // Built as updatePriceData builds them: the tag is not part of the library's type.
  const tagged = { ...bundled, [PRICE_VERSION_TAG]: "v-remote" };
  const badTag = { ...bundled, [PRICE_VERSION_TAG]: 42 };
  assert.equal(priceVersion(tagged), "v-remote");
  assert.equal(priceVersion(badTag), BUNDLED_PRICE_VERSION);
});
