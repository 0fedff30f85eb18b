import type { Provider } from "@pydantic/genai-prices";

/**
 * The pinned `@pydantic/genai-prices` version (deno.json import map). The library
 * does not expose its version or a timestamp for its bundled data at run time, and
 * the bundled data only changes with the package version, so the version names the
 * data. `price_version_test.ts` fails when the pin and this constant disagree.
 */
export const GENAI_PRICES_VERSION = "0.1.8";

/** `priceVersion` of rows priced with the data bundled in the package. */
export const BUNDLED_PRICE_VERSION = `genai-prices@${GENAI_PRICES_VERSION}`;

/**
 * Property that `updatePriceData` adds to every provider of downloaded data. The
 * library copies provider objects with a spread, so the tag travels with the data
 * actually used for a calculation and a row can never be labelled with the wrong
 * version, even if an update lands between two calls.
 */
export const PRICE_VERSION_TAG = "halton_price_version";

/** The price-data version a provider object (from a calculation result) came from. */
export function priceVersion(provider: Provider | undefined): string {
  if (provider && PRICE_VERSION_TAG in provider) {
    const tag = provider[PRICE_VERSION_TAG];
    if (typeof tag === "string") return tag;
  }
  return BUNDLED_PRICE_VERSION;
}
