/**
 * The usage facts an adapter extracts from one call. Token counts follow one
 * convention for every provider, so pricing and storage never need to know
 * which provider counted them:
 *
 * - `inputTokens` is the TOTAL input: uncached + cache read + cache write.
 *   (Anthropic reports uncached input only; its adapter adds the cache counts.)
 * - `cacheReadTokens`, `cacheWrite5mTokens`, `cacheWrite1hTokens` are parts of it.
 * - `outputTokens` is the TOTAL output, including `reasoningTokens`.
 *
 * A count the provider did not report is `null`, never a guessed 0.
 */
export interface Usage {
  inputTokens: number | null;
  outputTokens: number | null;
  cacheReadTokens: number | null;
  /** Anthropic cache writes with the default 5-minute TTL (or unspecified TTL). */
  cacheWrite5mTokens: number | null;
  cacheWrite1hTokens: number | null;
  reasoningTokens: number | null;
  webSearchRequests: number | null;
  webFetchRequests: number | null;
  /** Model named in the response body (may differ from the requested one). */
  responseModel: string | null;
  /** `standard` | `priority` | `batch` | provider-specific, when reported. */
  serviceTier: string | null;
  /** Provider request/response id from the body (e.g. `msg_...`, `chatcmpl-...`). */
  responseId: string | null;
  /** The stream/body carried an error object (mid-stream or whole-body). */
  errorType: string | null;
  errorMessage: string | null;
  /**
   * `complete`: the provider reported final usage.
   * `incomplete`: the call ended without final usage (stream cut, no include_usage).
   * `none`: this endpoint carries no usage (e.g. `other`, count_tokens).
   */
  completeness: "complete" | "incomplete" | "none";
  /** Provider-reported cost when the provider sends one (OpenRouter credits), USD. */
  providerCostUsd: number | null;
  /**
   * Audio and image parts of the token counts above, which are priced at their own rates
   * (OpenAI Realtime). Absent when the provider reports none; not stored in the calls table.
   */
  media?: MediaTokens;
}

/** Parts of `inputTokens`, `cacheReadTokens` and `outputTokens`; null when not reported. */
export interface MediaTokens {
  inputAudio: number | null;
  inputImage: number | null;
  cacheReadAudio: number | null;
  cacheReadImage: number | null;
  outputAudio: number | null;
}

export function emptyUsage(): Usage {
  return {
    inputTokens: null,
    outputTokens: null,
    cacheReadTokens: null,
    cacheWrite5mTokens: null,
    cacheWrite1hTokens: null,
    reasoningTokens: null,
    webSearchRequests: null,
    webFetchRequests: null,
    responseModel: null,
    serviceTier: null,
    responseId: null,
    errorType: null,
    errorMessage: null,
    completeness: "none",
    providerCostUsd: null,
  };
}
