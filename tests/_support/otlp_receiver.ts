/**
 * An OTLP/HTTP receiver for tests, on loopback: it decodes every request with the generated code
 * of the official OTLP `.proto` definitions (the protobufjs module `@opentelemetry/otlp-transformer`
 * 0.57 ships, an encoder written apart from the one the daemon uses) and keeps what it got. It can
 * be stopped and started again on the same port, to play a collector outage.
 */
// deno-lint-ignore-file no-explicit-any
import * as generated from "otlp-proto-decoder/build/src/generated/root.js";

const root = ((generated as any).default ?? generated) as any;
const TraceRequest = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
const MetricsRequest = root.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;

export type AttrValue = string | number | boolean | null;

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  name: string;
  kind: number;
  startNs: bigint;
  endNs: bigint;
  statusCode: number;
  attributes: Record<string, AttrValue>;
  resource: Record<string, AttrValue>;
}

export interface ReceivedMetric {
  name: string;
  unit: string;
  points: { attributes: Record<string, AttrValue>; value: number; count?: number }[];
}

export interface OtlpReceiver {
  port: number;
  url: string;
  spans: ReceivedSpan[];
  /** Every metrics request, newest last. */
  metrics: ReceivedMetric[][];
  /** Requests answered, by path. */
  requests: Map<string, number>;
  stop(): Promise<void>;
  start(): void;
  running(): boolean;
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

function anyValue(v: any): AttrValue {
  if (v == null) return null;
  if (v.stringValue != null && v.stringValue !== "") return v.stringValue;
  if (v.intValue != null) return Number(v.intValue);
  if (v.doubleValue != null) return v.doubleValue;
  if (v.boolValue != null) return v.boolValue;
  return v.stringValue ?? null;
}

function attrs(list: any[] | undefined): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const kv of list ?? []) out[kv.key] = anyValue(kv.value);
  return out;
}

function nanos(v: any): bigint {
  return BigInt(typeof v === "object" && v !== null ? v.toString() : v ?? 0);
}

export function startOtlpReceiver(port = 0): OtlpReceiver {
  let server: Deno.HttpServer<Deno.NetAddr> | null = null;
  const r: OtlpReceiver = {
    port,
    url: "",
    spans: [],
    metrics: [],
    requests: new Map(),
    async stop() {
      const s = server;
      server = null;
      await s?.shutdown();
    },
    start() {
      server = Deno.serve({ hostname: "127.0.0.1", port: r.port, onListen() {} }, async (req) => {
        const path = new URL(req.url).pathname;
        const body = new Uint8Array(await req.arrayBuffer());
        r.requests.set(path, (r.requests.get(path) ?? 0) + 1);
        if (req.headers.get("content-type") !== "application/x-protobuf") {
          return new Response("expected application/x-protobuf", { status: 415 });
        }
        if (path === "/v1/traces") {
          const msg = TraceRequest.decode(body);
          for (const rs of msg.resourceSpans) {
            const resource = attrs(rs.resource?.attributes);
            for (const ss of rs.scopeSpans) {
              for (const s of ss.spans) {
                r.spans.push({
                  traceId: hex(s.traceId),
                  spanId: hex(s.spanId),
                  name: s.name,
                  kind: s.kind,
                  startNs: nanos(s.startTimeUnixNano),
                  endNs: nanos(s.endTimeUnixNano),
                  statusCode: s.status?.code ?? 0,
                  attributes: attrs(s.attributes),
                  resource,
                });
              }
            }
          }
        } else if (path === "/v1/metrics") {
          const msg = MetricsRequest.decode(body);
          const got: ReceivedMetric[] = [];
          for (const rm of msg.resourceMetrics) {
            for (const sm of rm.scopeMetrics) {
              for (const m of sm.metrics) {
                const points = (m.sum?.dataPoints ?? m.histogram?.dataPoints ?? []).map((
                  p: any,
                ) => ({
                  attributes: attrs(p.attributes),
                  value: m.sum ? (p.asDouble ?? Number(p.asInt ?? 0)) : p.sum ?? 0,
                  count: m.histogram ? Number(p.count ?? 0) : undefined,
                }));
                got.push({ name: m.name, unit: m.unit, points });
              }
            }
          }
          r.metrics.push(got);
        } else return new Response("not found", { status: 404 });
        return new Response(new Uint8Array(0), {
          status: 200,
          headers: { "content-type": "application/x-protobuf" },
        });
      });
      r.port = server.addr.port;
      r.url = `http://127.0.0.1:${r.port}`;
    },
    running: () => server !== null,
  };
  r.start();
  return r;
}
