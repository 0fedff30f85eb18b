/** Anthropic sends ~12 standard and ~20 `unified-*` headers; more than this is noise. */
const MAX_ENTRIES = 48;
const MAX_NAME_CHARS = 96;
const MAX_VALUE_CHARS = 256;

/**
 * The rate-limit headers of a provider response, for the call's row:
 * `anthropic-ratelimit-*` (including the subscription `anthropic-ratelimit-unified-*`
 * windows), `x-ratelimit-*` (OpenAI, Groq, OpenRouter, …), `retry-after` and
 * OpenAI's `retry-after-ms`. Names are lower-case; at most 48 entries (in name
 * order), values cut to 256 characters with control characters removed. Null when
 * the response has none.
 */
export function rateLimitSnapshot(headers: Headers): Record<string, string> | null {
  const snapshot: Record<string, string> = {};
  let count = 0;
  // Headers iterates names lower-cased and sorted, with repeated fields joined.
  for (const [name, value] of headers) {
    if (!isRateLimitHeader(name) || name.length > MAX_NAME_CHARS) continue;
    if (count === MAX_ENTRIES) break;
    // deno-lint-ignore no-control-regex
    snapshot[name] = value.replace(/[\u0000-\u001f\u007f]/g, "").slice(0, MAX_VALUE_CHARS);
    count++;
  }
  return count === 0 ? null : snapshot;
}

function isRateLimitHeader(name: string): boolean {
  return name.startsWith("anthropic-ratelimit-") || name.startsWith("x-ratelimit-") ||
    name === "retry-after" || name === "retry-after-ms";
}
