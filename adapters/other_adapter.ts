import { emptyUsage, type Usage } from "../core/mod.ts";
import { providerError } from "./_provider_error.ts";
import { modelAndStream, readRequestFields } from "./_request_fields.ts";
import { createResponseDriver } from "./_response_driver.ts";
import type { Adapter, EndpointKind, ResponseContext, ResponseParser } from "./types.ts";

/**
 * A parser for calls that carry no billable usage: a success body is not read
 * at all (it may be a large file or model list); an error body (status >= 400)
 * is read only for its error type and message. Completeness is always `none`.
 */
export function createNoUsageParser(ctx: ResponseContext): ResponseParser {
  if (ctx.status < 400) {
    let result: Usage | null = null;
    return {
      push(): void {},
      finish(): Usage {
        result ??= emptyUsage();
        return result;
      },
    };
  }
  const usage = emptyUsage();
  return createResponseDriver(ctx, {
    onEvent(): void {},
    onJson(value: unknown): void {
      const err = providerError(value);
      if (err === null) return;
      usage.errorType = err.type;
      usage.errorMessage = err.message;
    },
    finish: () => usage,
  });
}

/**
 * The adapter for a path with no usage to read (`other`), or one that is not
 * billed (`count_tokens`). It still reports the requested model when the body names one.
 */
export function createOtherAdapter(provider: string, endpoint: EndpointKind = "other"): Adapter {
  return {
    provider,
    endpoint,
    parseRequest(body) {
      try {
        return modelAndStream(readRequestFields(body));
      } catch {
        return { model: null, stream: false };
      }
    },
    createResponseParser: createNoUsageParser,
  };
}
