// Pricing: turns a call's Usage into a Cost with @pydantic/genai-prices.
// By default only the data bundled in the package is used; nothing is fetched.
export { priceCall } from "./price_call.ts";
export type { PriceCallInput, UnpricedReason } from "./price_call.ts";
export { updatePriceData } from "./update_price_data.ts";
export type {
  PriceUpdateDeps,
  PriceUpdateOptions,
  PriceUpdateOutcome,
} from "./update_price_data.ts";
export { BUNDLED_PRICE_VERSION, GENAI_PRICES_VERSION } from "./price_version.ts";
