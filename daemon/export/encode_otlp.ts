/**
 * OTLP request bodies, serialized by `@opentelemetry/otlp-transformer` (the OpenTelemetry JS
 * SDK's own encoder for OTLP/HTTP, protobuf and JSON), from spans and metrics we build ourselves.
 */
import {
  JsonMetricsSerializer,
  JsonTraceSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from "@opentelemetry/otlp-transformer";
import type { ResourceMetrics } from "@opentelemetry/sdk-metrics";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import type { OtlpProtocol } from "./otlp_settings.ts";

export interface OtlpBody {
  body: Uint8Array;
  contentType: string;
}

function contentType(protocol: OtlpProtocol): string {
  return protocol === "http/json" ? "application/json" : "application/x-protobuf";
}

function required(bytes: Uint8Array | undefined, what: string): Uint8Array {
  if (bytes === undefined) {
    throw new Error(`Cannot encode ${what}: the OTLP serializer returned nothing`);
  }
  return bytes;
}

/** An `ExportTraceServiceRequest`. */
export function encodeTraces(spans: ReadableSpan[], protocol: OtlpProtocol): OtlpBody {
  const serializer = protocol === "http/json" ? JsonTraceSerializer : ProtobufTraceSerializer;
  return {
    body: required(serializer.serializeRequest(spans), "spans"),
    contentType: contentType(protocol),
  };
}

/** An `ExportMetricsServiceRequest`. */
export function encodeMetrics(metrics: ResourceMetrics, protocol: OtlpProtocol): OtlpBody {
  const serializer = protocol === "http/json" ? JsonMetricsSerializer : ProtobufMetricsSerializer;
  return {
    body: required(serializer.serializeRequest(metrics), "metrics"),
    contentType: contentType(protocol),
  };
}
