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
const COMPONENTS: readonly Component[] = ["input", "cacheRead", "cacheWrite", "output", "other"];

const COMPONENT_OF_PRICE_KEY: Readonly<Record<string, Component>> = {
  input_mtok: "input",
  cache_read_mtok: "cacheRead",
  cache_write_mtok: "cacheWrite",
  cache_write_1h_mtok: "cacheWrite",
  output_mtok: "output",
  output_reasoning_mtok: "output",
};

function componentOf(priceKey: string): Component {
  return COMPONENT_OF_PRICE_KEY[priceKey] ?? "other";
}

/**
 * Splits a price into components. The library only returns input/output/total
 * totals, so each component is priced by the library itself with every other
 * price set to 0. The set of price keys stays the same, so the library splits the
 * usage into the same leaves (uncached = total - cache read - cache write) and
 * picks the same long-context tier (chosen from total input) as for the real price:
 * tier and cache rules stay the library's, and the components add up to its total.
 */
export function priceComponents(
  usage: LibraryUsage,
  modelId: string,
  prices: ModelPrice,
): PriceComponents {
  const result: PriceComponents = { input: 0, cacheRead: 0, cacheWrite: 0, output: 0, other: 0 };
  for (const component of COMPONENTS) {
    const keys = Object.keys(prices).filter((k) =>
      prices[k] !== undefined && componentOf(k) === component
    );
    if (keys.length === 0) continue;
    const only: ModelPrice = {};
    for (const [key, price] of Object.entries(prices)) {
      if (price !== undefined) only[key] = componentOf(key) === component ? price : 0;
    }
    const priced = calcPrice(usage, modelId, { provider: singleModelProvider(modelId, only) });
    if (priced === null) {
      throw new Error(`Cannot price component ${component} of ${modelId}: no match`);
    }
    result[component] = priced.total_price;
  }
  return result;
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
