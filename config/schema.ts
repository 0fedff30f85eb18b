import { z } from "zod";

const port = z.number().int().min(0).max(65535);
const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/;
const hostPort = z.string().regex(HOST_PORT, 'expected "host:port", e.g. "127.0.0.1:19443"');
// zod reports a bad record key only as "Invalid key in record"; check keys ourselves to say more.
const resolveMap = z.record(z.string(), hostPort).superRefine((rec, ctx) => {
  for (const key of Object.keys(rec)) {
    if (!HOST_PORT.test(key)) {
      ctx.addIssue({
        code: "custom",
        path: [key],
        message: 'key expected as "host:port", e.g. "api.anthropic.com:443"',
      });
    }
  }
});
const ms = z.number().int().min(1).max(3_600_000);
const httpUrl = z.string().refine((text) => {
  try {
    return ["http:", "https:"].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}, { message: 'expected an http(s) URL, e.g. "http://collector.example:4318"' });

/**
 * The user's `config.json`. Every object is strict: an unknown key is an error
 * naming the key, because a typo silently ignored is a setting silently lost.
 */
export const configSchema = z.strictObject({
  ports: z.strictObject({ edge: port, internal: port, api: port }).partial().optional(),
  upstream: z.strictObject({
    /** Where to connect for `host:port` (like curl --resolve); TLS server name unchanged. */
    resolve: resolveMap.optional(),
    /** Extra PEM file trusted for upstream TLS, besides the system roots. */
    ca_file: z.string().min(1).optional(),
  }).optional(),
  intercept: z.strictObject({
    hosts: z.array(z.string().regex(/^[A-Za-z0-9.*-]+$/, "expected a host name, * allowed"))
      .optional(),
  }).optional(),
  edge: z.strictObject({
    head_timeout_ms: ms,
    connect_timeout_ms: ms,
    daemon_connect_timeout_ms: ms,
    drain_timeout_ms: ms,
    /** 0 = never close raw tunnels opened during a daemon outage (see the README). */
    rehome_idle_ms: z.number().int().min(0).max(3_600_000),
    max_connections: z.number().int().min(1).max(1_000_000),
  }).partial().optional(),
  daemon: z.strictObject({
    drain_timeout_ms: ms,
    max_request_body_bytes: z.number().int().min(0),
  }).partial().optional(),
  store: z.strictObject({
    /** Request/response bodies are never stored unless this is turned on. */
    store_bodies: z.boolean(),
    /** Space the spool file keeps allocated so rows fit when the disk is full (0: none). */
    spool_reserve_bytes: z.number().int().min(0).max(64 * 1024 * 1024),
    /** Rows held in memory at most while neither the database nor the spool takes them. */
    memory_queue_rows: z.number().int().min(100).max(1_000_000),
  }).partial().optional(),
  export: z.strictObject({
    /** OTLP/HTTP export of every recorded call (docs/EXPORT.md); off without an endpoint. */
    otlp: z.strictObject({
      /** false: no export even when an endpoint is set here or in OTEL_EXPORTER_OTLP_*. */
      enabled: z.boolean(),
      /** Base URL; `/v1/traces` and `/v1/metrics` are appended (OTEL_EXPORTER_OTLP_ENDPOINT). */
      endpoint: httpUrl,
      /** Full URL for spans, used as is (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT). */
      traces_endpoint: httpUrl,
      /** Full URL for metrics, used as is (OTEL_EXPORTER_OTLP_METRICS_ENDPOINT). */
      metrics_endpoint: httpUrl,
      protocol: z.enum(["http/protobuf", "http/json"]),
      /** Sent with every export request, e.g. {"authorization": "Bearer ..."}. */
      headers: z.record(
        z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "expected an HTTP header name"),
        z.string(),
      ),
      timeout_ms: ms,
      /** Extra PEM trusted for the collector's TLS (OTEL_EXPORTER_OTLP_CERTIFICATE). */
      ca_file: z.string().min(1),
      /** Spans per export request. */
      batch_size: z.number().int().min(1).max(10_000),
      /** How often new rows are looked for. */
      interval_ms: ms,
      /** How often metrics are sent; 0: no OTLP metrics. */
      metrics_interval_ms: z.number().int().min(0).max(3_600_000),
      /** Added to the resource of every span and metric, e.g. {"user.name": "alice"}. */
      resource_attributes: z.record(z.string().min(1), z.string()),
    }).partial().optional(),
    prometheus: z.strictObject({
      /** Distinct values each label keeps (first seen first); later ones are `other`. */
      max_label_values: z.number().int().min(1).max(1000),
    }).partial().optional(),
  }).optional(),
  pricing: z.strictObject({ auto_update: z.boolean() }).partial().optional(),
  log: z.strictObject({ max_bytes: z.number().int().min(4096) }).partial().optional(),
});

export type Config = z.infer<typeof configSchema>;
