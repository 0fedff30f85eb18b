/**
 * `ExportTraceServiceRequest` in OTLP/JSON (the protobuf JSON mapping as OTLP specifies it: ids
 * as hex, enums as numbers, 64-bit times as decimal strings), the same document
 * `@opentelemetry/otlp-transformer`'s JSON serializer writes for the same spans (checked by
 * otlp_trace_body_test.ts).
 */
import { type AttributeList, type CallSpan, type Scope, SPAN_KIND_CLIENT } from "./call_span.ts";
import type { TraceBatch } from "./_trace_protobuf.ts";

const MIN_INT64 = -(2 ** 63);
const MAX_INT64 = 2 ** 63;
/** See `SPAN_FLAGS` in _trace_protobuf.ts. */
const SPAN_FLAGS = 0x101;

type JsonValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: number }
  | { doubleValue: number };

function jsonAttributes(list: AttributeList): { key: string; value: JsonValue }[] {
  const out = [];
  for (let i = 0; i < list.length; i += 2) {
    const v = list[i + 1];
    const value: JsonValue = typeof v === "string"
      ? { stringValue: v }
      : typeof v === "boolean"
      ? { boolValue: v }
      : Number.isInteger(v) && v >= MIN_INT64 && v < MAX_INT64
      ? { intValue: v }
      : { doubleValue: v };
    out.push({ key: list[i] as string, value });
  }
  return out;
}

/** Epoch ms as decimal nanoseconds. */
function nanos(ms: number): string {
  const s = Math.floor(ms / 1000);
  return String(BigInt(s) * 1_000_000_000n + BigInt(Math.round((ms - s * 1000) * 1e6)));
}

export function createJsonTraceEncoder(resource: Record<string, string>, scope: Scope) {
  const resourceJson = {
    attributes: jsonAttributes(Object.entries(resource).flat()),
    droppedAttributesCount: 0,
  };
  return {
    batch(): TraceBatch {
      const spans: unknown[] = [];
      return {
        get count() {
          return spans.length;
        },
        add(span: CallSpan) {
          spans.push({
            traceId: span.traceId,
            spanId: span.spanId,
            name: span.name,
            kind: SPAN_KIND_CLIENT,
            startTimeUnixNano: nanos(span.startMs),
            endTimeUnixNano: nanos(span.endMs),
            attributes: jsonAttributes(span.attributes),
            droppedAttributesCount: 0,
            events: [],
            droppedEventsCount: 0,
            status: span.statusMessage === ""
              ? { code: span.statusCode }
              : { code: span.statusCode, message: span.statusMessage },
            links: [],
            droppedLinksCount: 0,
            flags: SPAN_FLAGS,
          });
        },
        finish() {
          const request = {
            resourceSpans: [{
              resource: resourceJson,
              scopeSpans: [{ scope: { name: scope.name, version: scope.version }, spans }],
            }],
          };
          return new TextEncoder().encode(JSON.stringify(request));
        },
      };
    },
  };
}
