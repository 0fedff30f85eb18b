// Public surface of the adapters: the daemon calls findAdapter(host, path) per
// request, parseRequest on the (capped) request body, createResponseParser at
// the response head, push() for each decoded body chunk and finish() at the end.
export { findAdapter, normalizeHost, normalizePath } from "./find_adapter.ts";
export type {
  Adapter,
  EndpointKind,
  RequestContext,
  RequestInfo,
  ResponseContext,
  ResponseParser,
} from "./types.ts";
export { createSseParser } from "./sse_parser.ts";
export type { SseEvent, SseParser, SseParserOptions } from "./sse_parser.ts";
export { MAX_BODY_BYTES } from "./_response_driver.ts";
export { type BodyDecoder, createBodyDecoder, markUndecodable } from "./create_body_decoder.ts";
