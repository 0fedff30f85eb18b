/**
 * OTLP request bodies. Spans, sent for every call, are encoded by our own writers
 * (`_trace_protobuf.ts`, `_trace_json.ts`), which write what `@opentelemetry/otlp-transformer`'s
 * serializer writes at a fraction of its cost; metrics, sent once a minute, by that serializer
 * (the OpenTelemetry JS SDK's own encoder for OTLP/HTTP, protobuf and JSON).
 */
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from "@opentelemetry/otlp-transformer";
import type { ResourceMetrics } from "@opentelemetry/sdk-metrics";
import type { Scope } from "./call_span.ts";
import { createJsonTraceEncoder } from "./_trace_json.ts";
import { createProtobufTraceEncoder, type TraceBatch } from "./_trace_protobuf.ts";
import type { OtlpProtocol } from "./otlp_settings.ts";

export type { TraceBatch };

export interface OtlpBody {
  body: Uint8Array;
  contentType: string;
}

function contentType(protocol: OtlpProtocol): string {
  return protocol === "http/json" ? "application/json" : "application/x-protobuf";
}

export interface TraceEncoder {
  contentType: string;
  /** A new `ExportTraceServiceRequest`, spans added one by one. */
  batch(): TraceBatch;
}

/** Encodes the resource and scope once; each batch then only writes its spans. */
export function createTraceEncoder(
  protocol: OtlpProtocol,
  resource: Record<string, string>,
  scope: Scope,
): TraceEncoder {
  const encoder = protocol === "http/json"
    ? createJsonTraceEncoder(resource, scope)
    : createProtobufTraceEncoder(resource, scope);
  return { contentType: contentType(protocol), batch: () => encoder.batch() };
}

/** An `ExportMetricsServiceRequest`. */
export function encodeMetrics(metrics: ResourceMetrics, protocol: OtlpProtocol): OtlpBody {
  const serializer = protocol === "http/json" ? JsonMetricsSerializer : ProtobufMetricsSerializer;
  const body = serializer.serializeRequest(metrics);
  if (body === undefined) {
    throw new Error("Cannot encode metrics: the OTLP serializer returned nothing");
  }
  return { body, contentType: contentType(protocol) };
}
