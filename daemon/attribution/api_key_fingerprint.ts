import { createHash } from "node:crypto";

/**
 * A stable, non-reversible name for the API key a request used: the first 8 hex
 * characters of sha256(key), nothing else (no prefix, no suffix, no kind), so the
 * key cannot be recovered from what is stored or logged.
 *
 * Looked up, first match wins: `x-api-key` (Anthropic), `Authorization: Bearer`
 * (OpenAI and compatibles, OAuth tokens), `api-key` (Azure OpenAI),
 * `x-goog-api-key` and `?key=` (Gemini). For AWS SigV4 requests (Bedrock) the access
 * key id from `Credential=` is used: the signature changes per request, the key id
 * does not. Null when none is present.
 */
export function apiKeyFingerprint(headers: Headers, query: URLSearchParams): string | null {
  const key = firstKey(headers, query);
  if (key === null) return null;
  return createHash("sha256").update(key, "utf8").digest("hex").slice(0, 8);
}

function firstKey(headers: Headers, query: URLSearchParams): string | null {
  const authorization = headers.get("authorization")?.trim() ?? "";
  const candidates = [
    headers.get("x-api-key"),
    /^bearer\s+(\S+)$/i.exec(authorization)?.[1],
    headers.get("api-key"),
    headers.get("x-goog-api-key"),
    query.get("key"),
    /^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)\//i.exec(authorization)?.[1],
  ];
  for (const candidate of candidates) {
    const key = candidate?.trim();
    if (key) return key;
  }
  return null;
}
