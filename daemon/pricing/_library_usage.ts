import type { Usage as LibraryUsage } from "@pydantic/genai-prices";
import type { Usage } from "../../core/mod.ts";

export type LibraryUsageResult =
  | { ok: true; usage: LibraryUsage }
  | { ok: false; detail: string };

/**
 * Converts our Usage into the library's unit-keyed usage.
 *
 * Both sides use the same convention, checked against the library's README
 * ("`input_tokens` is the total number of input tokens. It includes uncached
 * tokens, cache-read tokens, and cache-write tokens") and its source (the unit
 * registry decomposes `input_tokens` into leaves by subtracting the more specific
 * `cache_read_tokens` / `cache_write_tokens` / `cache_write_1h_tokens`, and
 * `output_tokens` minus `output_reasoning_tokens`). So no re-normalisation is done
 * here: core/usage.ts already requires adapters to report totals.
 *
 * `cache_write_tokens` is the sum of both TTLs and `cache_write_1h_tokens` the 1-hour
 * part: the library prices the 1-hour part with `cache_write_1h_mtok` and the rest
 * with `cache_write_mtok` (5-minute). Passing only the 1h key would make it throw
 * ("Missing usage value for cache_write_tokens with positive reported descendant").
 *
 * Only keys the library registers are passed: it warns on stderr for unknown ones.
 * Counts the library would reject (negative, NaN, parts larger than their total)
 * are refused here so the caller reports them as data instead of catching a throw.
 */
export function toLibraryUsage(
  usage: Usage,
  options: { includeOutput: boolean },
): LibraryUsageResult {
  const counts: Record<string, number | null> = {
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    cacheReadTokens: usage.cacheReadTokens,
    cacheWrite5mTokens: usage.cacheWrite5mTokens,
    cacheWrite1hTokens: usage.cacheWrite1hTokens,
    reasoningTokens: usage.reasoningTokens,
    webSearchRequests: usage.webSearchRequests,
  };
  for (const [name, value] of Object.entries(counts)) {
    if (value !== null && !(Number.isFinite(value) && value >= 0)) {
      return { ok: false, detail: `${name} is ${value}, expected a finite count >= 0` };
    }
  }
  const input = usage.inputTokens ?? 0;
  const cacheRead = usage.cacheReadTokens ?? 0;
  const cacheWrite1h = usage.cacheWrite1hTokens ?? 0;
  const cacheWrite = (usage.cacheWrite5mTokens ?? 0) + cacheWrite1h;
  if (cacheRead + cacheWrite > input) {
    return {
      ok: false,
      detail: `cache tokens (${cacheRead} read + ${cacheWrite} write) exceed total input ${input}`,
    };
  }
  const out: LibraryUsage = {
    input_tokens: input,
    cache_read_tokens: cacheRead,
    cache_write_tokens: cacheWrite,
    cache_write_1h_tokens: cacheWrite1h,
    output_tokens: 0,
  };
  const media = mediaUsage(usage, input, cacheRead);
  if (!media.ok) return media;
  Object.assign(out, media.usage);
  if (!options.includeOutput) return { ok: true, usage: out };

  const output = usage.outputTokens ?? 0;
  const reasoning = usage.reasoningTokens ?? 0;
  if (reasoning > output) {
    return { ok: false, detail: `reasoning tokens ${reasoning} exceed total output ${output}` };
  }
  out.output_tokens = output;
  // Priced separately only for models with an `output_reasoning_mtok` price;
  // otherwise the library leaves them in `output_tokens` at the output rate.
  if (reasoning > 0) out.output_reasoning_tokens = reasoning;
  if ((usage.webSearchRequests ?? 0) > 0) out.web_searches = usage.webSearchRequests ?? 0;
  const outputAudio = usage.media?.outputAudio ?? 0;
  if (!(Number.isFinite(outputAudio) && outputAudio >= 0 && outputAudio <= output)) {
    return {
      ok: false,
      detail: `output audio tokens ${outputAudio} exceed total output ${output}`,
    };
  }
  if (outputAudio > 0) out.output_audio_tokens = outputAudio;
  return { ok: true, usage: out };
}

/**
 * The input-side audio and image parts (Realtime), under the library's unit names: the
 * library prices each at its own rate (`input_audio_mtok`, `cache_audio_read_mtok`, ...) and
 * the rest of the input as text. Parts larger than what holds them are refused.
 */
function mediaUsage(usage: Usage, input: number, cacheRead: number): LibraryUsageResult {
  const m = usage.media;
  const out: LibraryUsage = {};
  if (!m) return { ok: true, usage: out };
  const parts: [string, number | null, number, string][] = [
    ["input_audio_tokens", m.inputAudio, input, "total input"],
    ["input_image_tokens", m.inputImage, input, "total input"],
    [
      "cache_audio_read_tokens",
      m.cacheReadAudio,
      Math.min(cacheRead, m.inputAudio ?? 0),
      "cached input audio",
    ],
    [
      "cache_image_read_tokens",
      m.cacheReadImage,
      Math.min(cacheRead, m.inputImage ?? 0),
      "cached input images",
    ],
  ];
  for (const [key, reported, limit, what] of parts) {
    // The library needs a cached part whenever both of its wholes are positive (it would
    // throw): one not reported is taken as 0, i.e. billed at the uncached rate.
    const needed = key.startsWith("cache_") && cacheRead > 0 &&
      ((key.includes("audio") ? m.inputAudio : m.inputImage) ?? 0) > 0;
    const value = reported ?? (needed ? 0 : null);
    if (value === null || (value === 0 && !needed)) continue;
    if (!(Number.isFinite(value) && value >= 0 && value <= limit)) {
      return { ok: false, detail: `${key} ${value} exceed ${what} ${limit}` };
    }
    out[key] = value;
  }
  if ((m.inputAudio ?? 0) + (m.inputImage ?? 0) > input) {
    return { ok: false, detail: `audio and image input exceed total input ${input}` };
  }
  return { ok: true, usage: out };
}
