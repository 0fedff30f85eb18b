import { calcPrice, findProvider } from "@pydantic/genai-prices";
import type {
  ModelPrice,
  PriceCalculation,
  PriceOptions,
  Usage as LibraryUsage,
} from "@pydantic/genai-prices";
import type { Cost, Usage } from "../../core/mod.ts";
import { toLibraryUsage } from "./_library_usage.ts";
import { type PriceComponents, priceComponents, scalePrice } from "./_price_components.ts";
import { priceVersion } from "./price_version.ts";

export interface PriceCallInput {
  /** Adapter family / provider id, e.g. "anthropic", "openai", "gemini". */
  provider: string;
  host: string;
  /** Request path; a query string, if any, is ignored. */
  path: string;
  /** Requested model. `usage.responseModel` is tried first when present. */
  model: string | null;
  usage: Usage;
  /**
   * Epoch ms of the call. Picks dated prices (e.g. a price cut from a given day).
   * Pass it always: without it the library uses the current time, so re-pricing
   * history would not be reproducible.
   */
  startedAt?: number;
}

/** Why a call has no total. Stored in `Cost.unpricedReason`. */
export type UnpricedReason = "unpriced" | "no_usage" | "usage_incomplete" | "error";

/** Anthropic's 1-hour cache writes cost 2× the base input price. */
const ONE_HOUR_CACHE_WRITE_FACTOR = 2;

/**
 * Prices one call from its Usage with the `@pydantic/genai-prices` data currently
 * loaded (the bundled data unless `updatePriceData` was run). Synchronous, no I/O,
 * never throws: an unexpected library error becomes `unpricedReason: "error"`.
 *
 * Decisions (see the tests for each):
 * - Token-counting endpoints (Anthropic `/v1/messages/count_tokens`, Gemini
 *   `:countTokens`, OpenAI `/v1/responses/input_tokens`) are free by the providers'
 *   terms: cost 0, priced, whatever the model.
 * - `completeness: "none"` → `no_usage`, every amount null.
 * - Unknown or null model → `unpriced`, every amount null (never 0).
 * - `completeness: "incomplete"` (the output count never arrived) → total null with
 *   `usage_incomplete`, but the input-side components are filled: input was billed
 *   and is known, while a partial output count would understate the call.
 * - Components: uncached input, cache read, cache write (5m + 1h), output (incl.
 *   reasoning). `totalUsd` = their sum + non-token charges (web searches at the
 *   model's per-search price, per-request fees). `Cost` has no field for those, so
 *   the four components add up to the total exactly when a call has none of them.
 * - 1-hour cache writes use the data's `cache_write_1h_mtok`; data with only one
 *   cache-write price (e.g. Claude on Vertex) gets 2× the input price for them.
 * - `serviceTier: "batch"` halves token charges (every provider); `"flex"` halves
 *   them on OpenAI and Azure OpenAI (priced at Batch rates; Groq's flex is not
 *   discounted). Non-token charges are not discounted. Other tiers (OpenAI
 *   `priority`, …) are priced at standard rates: the data has no tier prices.
 * - Long-context tiers and dated prices are the library's (tier from total input).
 */
export function priceCall(input: PriceCallInput): Cost {
  try {
    return priceCallOrThrow(input);
  } catch {
    return unpriced("error", activePriceVersion());
  }
}

function priceCallOrThrow(input: PriceCallInput): Cost {
  const path = input.path.split("?", 1)[0];
  if (isFreeEndpoint(path)) {
    return {
      totalUsd: 0,
      inputUsd: 0,
      cacheReadUsd: 0,
      cacheWriteUsd: 0,
      outputUsd: 0,
      unpricedReason: null,
      priceVersion: activePriceVersion(),
    };
  }
  const { usage } = input;
  if (usage.completeness === "none") return unpriced("no_usage", activePriceVersion());
  if (input.startedAt !== undefined && !Number.isFinite(input.startedAt)) {
    return unpriced("error", activePriceVersion());
  }
  if (
    usage.completeness === "complete" && usage.inputTokens === null && usage.outputTokens === null
  ) {
    return unpriced("no_usage", activePriceVersion());
  }
  const complete = usage.completeness === "complete";
  if (!complete && usage.inputTokens === null) {
    return unpriced("usage_incomplete", activePriceVersion());
  }
  const converted = toLibraryUsage(usage, { includeOutput: complete });
  if (!converted.ok) return unpriced("error", activePriceVersion());

  const priced = resolveCached(converted.usage, input, path);
  if (priced === null) return unpriced("unpriced", activePriceVersion());

  const { modelId, prices, providerId, version } = priced;
  const components = componentsWithCacheRules(converted.usage, modelId, prices);
  const factor = serviceTierFactor(usage.serviceTier, providerId);
  const inputUsd = components.input * factor;
  const cacheReadUsd = components.cacheRead * factor;
  const cacheWriteUsd = components.cacheWrite * factor;
  if (!complete) {
    return {
      totalUsd: null,
      inputUsd,
      cacheReadUsd,
      cacheWriteUsd,
      outputUsd: null,
      unpricedReason: "usage_incomplete",
      priceVersion: version,
    };
  }
  const outputUsd = components.output * factor;
  return {
    totalUsd: inputUsd + cacheReadUsd + cacheWriteUsd + outputUsd + components.other,
    inputUsd,
    cacheReadUsd,
    cacheWriteUsd,
    outputUsd,
    unpricedReason: null,
    priceVersion: version,
  };
}

interface Resolved {
  modelId: string;
  /** The model's prices at the call's time (dated and time-of-day variants resolved). */
  prices: ModelPrice;
  providerId: string;
  version: string;
}

/**
 * Resolved prices per (API URL, provider, models, minute), memoised per loaded price data: the
 * library's provider and model matching was about half of each call's pricing cost (measured:
 * 57 µs per call, the daemon's largest metering cost). The WeakMap is keyed by a provider object
 * of the data in use, so an `updatePriceData` swap starts a fresh memo and nothing goes stale.
 * A minute is finer than any dated or time-of-day price the data has (e.g. off-peak windows).
 */
const memo = new WeakMap<object, Map<string, Resolved | null>>();
const MEMO_MAX = 1024;

function resolveCached(usage: LibraryUsage, input: PriceCallInput, path: string): Resolved | null {
  const anchor = findProvider({ providerId: "openai" }) ??
    findProvider({ providerId: "anthropic" });
  const minute = Math.floor((input.startedAt ?? Date.now()) / 60_000);
  const key = `${input.host}\0${path}\0${input.provider}\0${input.usage.responseModel ?? ""}\0` +
    `${input.model ?? ""}\0${minute}`;
  let map = anchor ? memo.get(anchor) : undefined;
  const hit = map?.get(key);
  if (hit !== undefined) return hit;
  const found = resolve(usage, input, path);
  const resolved = found && {
    modelId: found.modelId,
    prices: found.calculation.model_price,
    providerId: found.calculation.provider.id,
    version: priceVersion(found.calculation.provider),
  };
  if (anchor) {
    if (!map) memo.set(anchor, map = new Map());
    if (map.size >= MEMO_MAX) map.clear();
    map.set(key, resolved);
  }
  return resolved;
}

/**
 * Finds the model's price. The API URL decides the provider first (the host is who
 * bills the call: Claude on Vertex is priced from Google's table), then the
 * adapter's provider id; only when neither names a known provider does the library
 * match by model name alone. Once a provider is known we never fall back to
 * another provider's price for an unknown model: that would be a guess.
 */
function resolve(
  usage: LibraryUsage,
  input: PriceCallInput,
  path: string,
): { calculation: PriceCalculation; modelId: string } | null {
  const apiUrl = `https://${input.host}${path}`;
  const base: PriceOptions = input.startedAt === undefined
    ? {}
    : { timestamp: new Date(input.startedAt) };
  let options: PriceOptions = base;
  if (findProvider({ providerApiUrl: apiUrl })) {
    options = { ...base, providerApiUrl: apiUrl };
  } else if (input.provider && findProvider({ providerId: input.provider })) {
    options = { ...base, providerId: input.provider };
  }
  const candidates = [input.usage.responseModel, input.model]
    .map((m) => m?.trim() ?? "")
    .filter((m, i, all) => m !== "" && all.indexOf(m) === i);
  for (const modelId of candidates) {
    const calculation = calcPrice(usage, modelId, options);
    if (calculation) return { calculation, modelId };
  }
  return null;
}

function componentsWithCacheRules(
  usage: LibraryUsage,
  modelId: string,
  prices: ModelPrice,
): PriceComponents {
  const oneHour = (usage.cache_write_1h_tokens ?? 0) > 0 ? withOneHourCacheWrite(prices) : null;
  if (oneHour) {
    try {
      return priceComponents(usage, modelId, oneHour);
    } catch {
      // The added key can clash with modality-specific keys the library wants
      // joined; keep the data's own price (1h writes at the 5-minute rate).
    }
  }
  return priceComponents(usage, modelId, prices);
}

function withOneHourCacheWrite(prices: ModelPrice): ModelPrice | null {
  const input = prices.input_mtok;
  if (
    prices.cache_write_1h_mtok !== undefined || prices.cache_write_mtok === undefined ||
    input === undefined
  ) {
    return null;
  }
  return { ...prices, cache_write_1h_mtok: scalePrice(input, ONE_HOUR_CACHE_WRITE_FACTOR) };
}

function serviceTierFactor(tier: string | null, providerId: string): number {
  if (tier === "batch") return 0.5;
  if (tier === "flex" && (providerId === "openai" || providerId === "azure")) return 0.5;
  return 1;
}

const FREE_ENDPOINTS: readonly RegExp[] = [
  /\/messages\/count_tokens$/, // Anthropic (and Bedrock/Vertex-style proxies of it)
  /\/count-tokens:rawPredict$/, // Claude on Vertex AI
  /:countTokens$/, // Gemini and Vertex AI
  /\/responses\/input_tokens$/, // OpenAI input-token counting
];

function isFreeEndpoint(path: string): boolean {
  return FREE_ENDPOINTS.some((re) => re.test(path));
}

/** Version of the data in use, for rows no provider table was consulted for. */
function activePriceVersion(): string {
  try {
    return priceVersion(findProvider({ providerId: "openai" }));
  } catch {
    return priceVersion(undefined);
  }
}

function unpriced(reason: UnpricedReason, version: string): Cost {
  return {
    totalUsd: null,
    inputUsd: null,
    cacheReadUsd: null,
    cacheWriteUsd: null,
    outputUsd: null,
    unpricedReason: reason,
    priceVersion: version,
  };
}
