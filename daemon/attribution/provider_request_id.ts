/**
 * Response headers that carry the provider's id for a request, in order:
 * `request-id` (Anthropic), `x-request-id` (OpenAI and most compatible APIs, Azure
 * OpenAI), `x-amzn-requestid` (AWS, so Bedrock). Gemini documents none.
 */
const HEADERS = ["request-id", "x-request-id", "x-amzn-requestid"] as const;

const MAX_ID_CHARS = 200;

/**
 * The provider's request id from response headers, for support tickets and for
 * joining our row to the provider's logs. Only visible ASCII, at most 200
 * characters; anything else is ignored. Null when no header has a usable value.
 */
export function providerRequestId(headers: Headers): string | null {
  for (const name of HEADERS) {
    const value = headers.get(name)?.trim();
    if (value && value.length <= MAX_ID_CHARS && /^[\x21-\x7e]+$/.test(value)) return value;
  }
  return null;
}
