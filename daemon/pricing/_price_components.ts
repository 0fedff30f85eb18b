import { calcPrice } from "@pydantic/genai-prices";
import type {
  ModelPrice,
  Provider,
  TieredPrices,
  Usage as LibraryUsage,
} from "@pydantic/genai-prices";

/** USD per component, before any service-tier discount. */
export interface PriceComponents {
  /** Uncached input. */
  input: number;
  cacheRead: number;
  /** 5-minute and 1-hour writes. */
  cacheWrite: number;
  /** Output including reasoning. */
  output: number;
  /** Everything not per-token: web searches, per-request fees. */
  other: number;
}

type Component = keyof PriceComponents;

const COMPONENT_OF_PRICE_KEY: Readonly<Record<string, Component>> = {
  input_mtok: "input",
  input_audio_mtok: "input",
  input_image_mtok: "input",
  cache_read_mtok: "cacheRead",
  cache_audio_read_mtok: "cacheRead",
  cache_image_read_mtok: "cacheRead",
  output_audio_mtok: "output",
  cache_write_mtok: "cacheWrite",
  cache_write_1h_mtok: "cacheWrite",
  output_mtok: "output",
  output_reasoning_mtok: "output",
};

function componentOf(priceKey: string): Component {
  return COMPONENT_OF_PRICE_KEY[priceKey] ?? "other";
}

/**
 * Splits a price into components. The library returns only input/output/total, so components
 * it does not separate are priced by the library itself with every other price set to 0. The
 * set of price keys stays the same, so the library splits the usage into the same leaves
 * (uncached = total - cache read - cache write) and picks the same long-context tier (chosen
 * from total input) as for the real price: tier and cache rules stay the library's, and the
 * components add up to its total.
 *
 * One full calculation gives input (all input-side leaves), output and total (the rest of which
 * is the non-token charges); a cache component whose tokens are 0 costs 0 without asking
 * (prices are per token), so a call without cache tokens costs one library calculation
 * instead of five (measured: the
 * library's unit decomposition was most of the daemon's per-call pricing time).
 */
export function priceComponents(
  usage: LibraryUsage,
  modelId: string,
  prices: ModelPrice,
): PriceComponents {
  const full = calcPrice(usage, modelId, { provider: singleModelProvider(modelId, prices) });
  if (full === null) throw new Error(`Cannot price ${modelId}: no match`);
  const only = (component: Component): number => {
    const keys = Object.keys(prices).filter((k) =>
      prices[k] !== undefined && componentOf(k) === component
    );
    if (keys.length === 0) return 0;
    const part: ModelPrice = {};
    for (const [key, price] of Object.entries(prices)) {
      if (price !== undefined) part[key] = componentOf(key) === component ? price : 0;
    }
    const priced = calcPrice(usage, modelId, { provider: singleModelProvider(modelId, part) });
    if (priced === null) {
      throw new Error(`Cannot price component ${component} of ${modelId}: no match`);
    }
    return priced.total_price;
  };
  const cacheRead = (usage.cache_read_tokens ?? 0) > 0 ? only("cacheRead") : 0;
  const cacheWrite = (usage.cache_write_tokens ?? 0) > 0 ? only("cacheWrite") : 0;
  // Non-token charges (per request, per web search) are what the total has beyond input and
  // output; a difference at rounding level is no charge at all.
  const other = full.total_price - full.input_price - full.output_price;
  return {
    input: cacheRead === 0 && cacheWrite === 0
      ? full.input_price
      : Math.max(0, full.input_price - cacheRead - cacheWrite),
    cacheRead,
    cacheWrite,
    output: full.output_price,
    other: Math.abs(other) <= 1e-12 * Math.abs(full.total_price) ? 0 : other,
  };
}

function singleModelProvider(modelId: string, prices: ModelPrice): Provider {
  return {
    // Not a real provider id, so no provider-specific special case in the library applies.
    id: "halton-meter-component",
    name: "component",
    api_pattern: "(?!)",
    models: [{ id: modelId, match: { equals: modelId.toLowerCase().trim() }, prices }],
  };
}

/** `price` × `factor`, keeping tiers (so a long-context request still uses its tier). */
export function scalePrice(price: number | TieredPrices, factor: number): number | TieredPrices {
  if (typeof price === "number") return price * factor;
  return {
    base: price.base * factor,
    tiers: price.tiers.map((t) => ({ start: t.start, price: t.price * factor })),
  };
}
