import type { Usage } from "../core/mod.ts";

/**
 * What a call is, as far as metering cares. `other` covers every path on a
 * metered host that carries no usage we know how to read (model lists, batches,
 * files, ...): the call is still recorded, with `completeness: "none"`.
 */
export type EndpointKind =
  | "messages"
  | "count_tokens"
  | "chat_completions"
  | "responses"
  | "generate_content"
  | "realtime"
  | "selftest"
  | "other";

/** Facts taken from the request before it is forwarded. */
export interface RequestInfo {
  /** Model named by the request (body, or URL for Vertex/Gemini); null when unknown. */
  model: string | null;
  /** The request asked for a streamed response. */
  stream: boolean;
  /** OpenAI chat: `stream_options.include_usage` was true. Absent for other families. */
  includeUsage?: boolean;
  /** Azure OpenAI deployment name from the URL (it picks the model; the name is not one). */
  deployment?: string;
  /**
   * The body did not parse as a whole (truncated by the caller's size cap, or
   * malformed): `model` and `stream` come from a tolerant scan of its top level.
   */
  partial?: boolean;
}

/** The request as the daemon sees it; `path` excludes the query string. */
export interface RequestContext {
  path: string;
  /** Raw query string without the leading `?` (may carry API keys: never log it). */
  query: string;
  headers: Headers;
}

/** Known at response head, before any body byte. */
export interface ResponseContext {
  status: number;
  headers: Headers;
  request: RequestInfo;
}

/**
 * Fed the DECODED (decompressed) response body in arbitrary pieces. Never
 * throws; keeps bounded memory whatever the body size.
 */
export interface ResponseParser {
  push(bytes: Uint8Array): void;
  /** Call once at end of body (or when the connection dropped); later pushes are ignored. */
  finish(): Usage;
}

export interface Adapter {
  /** Provider id, aligned with `@pydantic/genai-prices` ids (`anthropic`, `openai`, `google`, ...). */
  provider: string;
  endpoint: EndpointKind;
  /** Never throws: a malformed or truncated body gives `model: null` (or a partial scan). */
  parseRequest(body: Uint8Array | null, info: RequestContext): RequestInfo;
  createResponseParser(ctx: ResponseContext): ResponseParser;
}
