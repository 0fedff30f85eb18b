/**
 * For tests and the profile only: a `CallSpan` as the OpenTelemetry SDK's `ReadableSpan`, so
 * `@opentelemetry/otlp-transformer`'s serializers can encode the same span ours do.
 */
import type { Resource } from "@opentelemetry/resources";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import type { CallSpan, Scope } from "./call_span.ts";

/** The SDK's `SpanKind.CLIENT` (OTLP's `SPAN_KIND_CLIENT` minus 1). */
const SDK_SPAN_KIND_CLIENT = 2 as ReadableSpan["kind"];

function hrTime(ms: number): [number, number] {
  const s = Math.floor(ms / 1000);
  return [s, Math.round((ms - s * 1000) * 1e6)];
}

export function toSdkSpan(span: CallSpan, resource: Resource, scope: Scope): ReadableSpan {
  const attributes: ReadableSpan["attributes"] = {};
  for (let i = 0; i < span.attributes.length; i += 2) {
    attributes[span.attributes[i] as string] = span.attributes[i + 1];
  }
  const duration = span.endMs - span.startMs;
  return {
    name: span.name,
    kind: SDK_SPAN_KIND_CLIENT,
    spanContext: () => ({ traceId: span.traceId, spanId: span.spanId, traceFlags: 1 }),
    parentSpanContext: undefined,
    startTime: hrTime(span.startMs),
    endTime: hrTime(span.endMs),
    duration: hrTime(duration),
    status: {
      code: span.statusCode as ReadableSpan["status"]["code"],
      message: span.statusMessage === "" ? undefined : span.statusMessage,
    },
    attributes,
    links: [],
    events: [],
    ended: true,
    resource,
    instrumentationScope: scope,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}
