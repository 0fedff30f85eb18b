import { createHash } from "node:crypto";
import {
  calcPrice,
  type Provider,
  REMOTE_DATA_JSON_URL,
  updatePrices,
  waitForUpdate,
} from "@pydantic/genai-prices";
import { z } from "zod";
import { BUNDLED_PRICE_VERSION, PRICE_VERSION_TAG } from "./price_version.ts";

export interface PriceUpdateDeps {
  fetch: (url: string, init: { signal: AbortSignal }) => Promise<Response>;
  /** Epoch ms; stamps the version of downloaded data. */
  now: () => number;
}

export interface PriceUpdateOptions {
  /** Defaults to the library's `REMOTE_DATA_JSON_URL`. */
  url?: string;
  /** Whole download, headers and body. Default 15 s. */
  timeoutMs?: number;
  /** Larger bodies are refused. Default 32 MiB. */
  maxBytes?: number;
}

export type PriceUpdateOutcome =
  | { ok: true; priceVersion: string; providers: number }
  | {
    ok: false;
    reason: "fetch_failed" | "http_error" | "too_large" | "invalid_data" | "rejected";
    /** What failed, for the log. Never contains data from the body. */
    detail: string;
  };

/**
 * Downloads fresh price data and makes `priceCall` use it. Only for the opt-in
 * config `pricing.auto_update` (default false): by default nothing leaves the
 * machine and the bundled data is used. The caller schedules it (at start, then
 * e.g. daily) and logs the outcome.
 *
 * Never throws and never makes pricing worse: on any failure the data in use is
 * kept. Downloaded data must parse, have the expected shape, compile every regex
 * the library will run, and price two well-known models before it replaces the
 * current data; if the library rejects it afterwards, the previous data is restored.
 * Rows priced with it carry a `priceVersion` naming the download (time + content hash).
 */
export async function updatePriceData(
  deps: PriceUpdateDeps,
  options: PriceUpdateOptions = {},
): Promise<PriceUpdateOutcome> {
  const url = options.url ?? REMOTE_DATA_JSON_URL;
  const body = await download(deps, url, options.timeoutMs ?? 15_000, options.maxBytes ?? 32 << 20);
  if (!body.ok) return body;

  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(body.bytes));
  } catch {
    return { ok: false, reason: "invalid_data", detail: `body from ${url} is not JSON` };
  }
  const parsed = providersSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      reason: "invalid_data",
      detail: `price data from ${url} has an unexpected shape at ${issue?.path.join(".") ?? "?"}: ${
        issue?.message ?? "?"
      }`,
    };
  }
  const badRegex = findBadRegex(parsed.data);
  if (badRegex !== null) {
    return { ok: false, reason: "invalid_data", detail: `price data has a bad regex: ${badRegex}` };
  }

  const hash = createHash("sha256").update(body.bytes).digest("hex").slice(0, 12);
  const version = `${BUNDLED_PRICE_VERSION}+remote:${new Date(deps.now()).toISOString()}:${hash}`;
  // The schema keeps unknown keys, so the objects are the data as published plus the tag.
  const tagged = (json as Provider[]).map((p) => ({ ...p, [PRICE_VERSION_TAG]: version }));

  let previous: Provider[] | null = null;
  try {
    previous = await waitForUpdate();
  } catch { /* an earlier update was rejected: the library kept its data */ }
  try {
    install(tagged);
    smokeTest();
  } catch (error) {
    if (previous) {
      try {
        install(previous);
      } catch { /* previous data was accepted once; nothing more to do */ }
    }
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: "rejected", detail: `price data rejected: ${message}` };
  }
  return { ok: true, priceVersion: version, providers: tagged.length };
}

type Download = { ok: true; bytes: Uint8Array } | Extract<PriceUpdateOutcome, { ok: false }>;

async function download(
  deps: PriceUpdateDeps,
  url: string,
  timeoutMs: number,
  maxBytes: number,
): Promise<Download> {
  const abort = new AbortController();
  const timer = setTimeout(
    () => abort.abort(new Error(`timed out after ${timeoutMs} ms`)),
    timeoutMs,
  );
  try {
    const response = await deps.fetch(url, { signal: abort.signal });
    if (!response.ok) {
      await response.body?.cancel();
      return { ok: false, reason: "http_error", detail: `GET ${url} returned ${response.status}` };
    }
    if (!response.body) return { ok: false, reason: "http_error", detail: `GET ${url}: no body` };
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += chunk.byteLength;
      if (size > maxBytes) {
        abort.abort();
        return {
          ok: false,
          reason: "too_large",
          detail: `GET ${url}: body over ${maxBytes} bytes`,
        };
      }
      chunks.push(chunk);
    }
    const bytes = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return { ok: true, bytes };
  } catch (error) {
    const message = abort.signal.aborted && abort.signal.reason instanceof Error
      ? abort.signal.reason.message
      : error instanceof Error
      ? error.message
      : String(error);
    return { ok: false, reason: "fetch_failed", detail: `GET ${url} failed: ${message}` };
  } finally {
    clearTimeout(timer);
  }
}

function install(providers: Provider[]): void {
  // A plain array is installed synchronously: the library validates it on the spot
  // and throws, keeping its current data, when it does not accept it.
  updatePrices(({ setProviderData }) => setProviderData(providers));
}

/** Two calls that any sane price data answers; the regexes were checked before. */
function smokeTest(): void {
  const usage = { input_tokens: 1000, output_tokens: 100 };
  const checks: Array<[string, string]> = [
    ["claude-sonnet-4-20250514", "https://api.anthropic.com/v1/messages"],
    ["gpt-4o", "https://api.openai.com/v1/chat/completions"],
  ];
  for (const [model, providerApiUrl] of checks) {
    const price = calcPrice(usage, model, { providerApiUrl })?.total_price;
    if (typeof price !== "number" || !Number.isFinite(price) || price <= 0) {
      throw new Error(`it does not price ${model} (got ${price})`);
    }
  }
}

const matchSchema: z.ZodType<unknown> = z.lazy(() =>
  z.union([
    z.object({ and: z.array(matchSchema) }),
    z.object({ or: z.array(matchSchema) }),
    z.object({ equals: z.string() }),
    z.object({ starts_with: z.string() }),
    z.object({ ends_with: z.string() }),
    z.object({ contains: z.string() }),
    z.object({ regex: z.string() }),
  ])
);

const priceValueSchema = z.union([
  z.number().nonnegative(),
  z.object({
    base: z.number().nonnegative(),
    tiers: z.array(
      z.object({ start: z.number().int().nonnegative(), price: z.number().nonnegative() }),
    ),
  }),
]);
const modelPriceSchema = z.record(z.string(), priceValueSchema);

const providersSchema = z.array(
  z.looseObject({
    id: z.string().min(1),
    name: z.string(),
    api_pattern: z.string(),
    model_match: matchSchema.optional(),
    provider_match: matchSchema.optional(),
    fallback_model_providers: z.array(z.string()).optional(),
    models: z.array(z.looseObject({
      id: z.string(),
      match: matchSchema,
      prices: z.union([
        modelPriceSchema,
        z.array(z.looseObject({ constraint: z.unknown().optional(), prices: modelPriceSchema })),
      ]),
    })),
  }),
).min(1);

type ParsedProviders = z.infer<typeof providersSchema>;

/** The library compiles these on every lookup; one bad pattern would break all pricing. */
function findBadRegex(providers: ParsedProviders): string | null {
  const patterns: string[] = [];
  const walk = (m: unknown): void => {
    if (typeof m !== "object" || m === null) return;
    if ("regex" in m && typeof m.regex === "string") patterns.push(m.regex);
    for (const key of ["and", "or"]) {
      const list: unknown = (m as Record<string, unknown>)[key];
      if (Array.isArray(list)) list.forEach(walk);
    }
  };
  for (const p of providers) {
    patterns.push(`^(?:${p.api_pattern})`);
    walk(p.model_match);
    walk(p.provider_match);
    for (const model of p.models) walk(model.match);
  }
  for (const pattern of patterns) {
    try {
      new RegExp(pattern);
    } catch {
      return pattern.slice(0, 100);
    }
  }
  return null;
}
