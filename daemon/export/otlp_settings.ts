/**
 * Where and how OTLP export sends (docs/EXPORT.md): `config.json` → `export.otlp`, then the
 * standard `OTEL_EXPORTER_OTLP_*` variables for whatever the file leaves unset (the file is the
 * more deliberate of the two). Within each source a signal's own setting beats the generic one,
 * as the OpenTelemetry specification says. Pure: the environment comes in as a function.
 */
import type { Config } from "../../config/mod.ts";

export type OtlpProtocol = "http/protobuf" | "http/json";

/** One signal's destination. */
export interface OtlpTarget {
  url: string;
  headers: Record<string, string>;
  timeoutMs: number;
  protocol: OtlpProtocol;
}

export interface OtlpSettings {
  traces: OtlpTarget;
  /** null: no OTLP metrics (`metrics_interval_ms` 0). */
  metrics: OtlpTarget | null;
  /** Extra PEM file trusted for the collector's TLS. */
  caFile: string | null;
  batchSize: number;
  intervalMs: number;
  metricsIntervalMs: number;
  /** Resource attributes from OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME and the config. */
  resource: Record<string, string>;
}

export type OtlpSettingsResult =
  | { kind: "on"; settings: OtlpSettings }
  | { kind: "off"; reason: string }
  | { kind: "invalid"; message: string };

export const OTLP_DEFAULTS = {
  timeoutMs: 10_000,
  batchSize: 512,
  intervalMs: 1_000,
  metricsIntervalMs: 60_000,
  protocol: "http/protobuf" as OtlpProtocol,
};

type OtlpConfig = NonNullable<NonNullable<Config["export"]>["otlp"]>;
type Env = (name: string) => string | undefined;

/** `k1=v1,k2=v2` with percent-encoded values (OTEL_EXPORTER_OTLP_HEADERS, OTEL_RESOURCE_ATTRIBUTES). */
export function parseKeyValueList(text: string, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(",")) {
    if (part.trim() === "") continue;
    const eq = part.indexOf("=");
    if (eq <= 0) {
      throw new Error(`${what}: ${JSON.stringify(part.trim())} is not key=value`);
    }
    const key = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    try {
      value = decodeURIComponent(value);
    } catch { /* kept as written */ }
    out[key] = value;
  }
  return out;
}

/** `base` + `/v1/traces`: the specification's rule for the generic HTTP endpoint. */
export function signalUrl(base: string, signal: "traces" | "metrics"): string {
  return `${base.endsWith("/") ? base : `${base}/`}v1/${signal}`;
}

function checkUrl(text: string, name: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`${name} ${JSON.stringify(text)} is not a URL: expected http(s)://host:4318`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`${name} ${JSON.stringify(text)}: expected an http:// or https:// URL`);
  }
  return text;
}

function protocolOf(text: string | undefined, name: string): OtlpProtocol | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  const p = text.trim();
  if (p === "http/protobuf" || p === "http/json") return p;
  if (p === "grpc") {
    throw new Error(
      `${name}=grpc is not supported: set http/protobuf and the collector's OTLP/HTTP port (usually 4318)`,
    );
  }
  throw new Error(`${name} ${JSON.stringify(p)}: expected http/protobuf or http/json`);
}

function timeoutOf(text: string | undefined, name: string): number | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) {
    throw new Error(`${name} ${JSON.stringify(text)}: expected milliseconds, e.g. 10000`);
  }
  return n;
}

function target(
  signal: "traces" | "metrics",
  cfg: OtlpConfig,
  env: Env,
): OtlpTarget | null {
  const SIG = signal.toUpperCase();
  const own = (k: string) => env(`OTEL_EXPORTER_OTLP_${SIG}_${k}`);
  const generic = (k: string) => env(`OTEL_EXPORTER_OTLP_${k}`);
  const cfgUrl = signal === "traces" ? cfg.traces_endpoint : cfg.metrics_endpoint;
  let url: string | undefined;
  if (cfgUrl) url = cfgUrl;
  else if (cfg.endpoint) url = signalUrl(cfg.endpoint, signal);
  else if (own("ENDPOINT")) url = checkUrl(own("ENDPOINT")!, `OTEL_EXPORTER_OTLP_${SIG}_ENDPOINT`);
  else if (generic("ENDPOINT")) {
    url = signalUrl(checkUrl(generic("ENDPOINT")!, "OTEL_EXPORTER_OTLP_ENDPOINT"), signal);
  }
  if (url === undefined) return null;
  const headers = {
    ...parseKeyValueList(generic("HEADERS") ?? "", "OTEL_EXPORTER_OTLP_HEADERS"),
    ...parseKeyValueList(own("HEADERS") ?? "", `OTEL_EXPORTER_OTLP_${SIG}_HEADERS`),
    ...cfg.headers,
  };
  return {
    url,
    headers,
    timeoutMs: cfg.timeout_ms ?? timeoutOf(own("TIMEOUT"), `OTEL_EXPORTER_OTLP_${SIG}_TIMEOUT`) ??
      timeoutOf(generic("TIMEOUT"), "OTEL_EXPORTER_OTLP_TIMEOUT") ?? OTLP_DEFAULTS.timeoutMs,
    protocol: cfg.protocol ?? protocolOf(own("PROTOCOL"), `OTEL_EXPORTER_OTLP_${SIG}_PROTOCOL`) ??
      protocolOf(generic("PROTOCOL"), "OTEL_EXPORTER_OTLP_PROTOCOL") ?? OTLP_DEFAULTS.protocol,
  };
}

/** The export settings, or why there is no export, or what is wrong with them. */
export function resolveOtlpSettings(config: Config, env: Env): OtlpSettingsResult {
  const cfg: OtlpConfig = config.export?.otlp ?? {};
  if (cfg.enabled === false) return { kind: "off", reason: "export.otlp.enabled is false" };
  if (env("OTEL_SDK_DISABLED")?.trim().toLowerCase() === "true" && cfg.enabled !== true) {
    return { kind: "off", reason: "OTEL_SDK_DISABLED=true" };
  }
  try {
    const traces = target("traces", cfg, env);
    if (traces === null) {
      return {
        kind: "off",
        reason:
          "no endpoint: set export.otlp.endpoint in config.json (or OTEL_EXPORTER_OTLP_ENDPOINT)",
      };
    }
    const metricsIntervalMs = cfg.metrics_interval_ms ?? OTLP_DEFAULTS.metricsIntervalMs;
    const resource: Record<string, string> = {
      ...parseKeyValueList(env("OTEL_RESOURCE_ATTRIBUTES") ?? "", "OTEL_RESOURCE_ATTRIBUTES"),
    };
    const serviceName = env("OTEL_SERVICE_NAME")?.trim();
    if (serviceName) resource["service.name"] = serviceName;
    Object.assign(resource, cfg.resource_attributes);
    return {
      kind: "on",
      settings: {
        traces,
        metrics: metricsIntervalMs > 0 ? target("metrics", cfg, env) : null,
        caFile: cfg.ca_file ?? (env("OTEL_EXPORTER_OTLP_CERTIFICATE")?.trim() || null),
        batchSize: cfg.batch_size ?? OTLP_DEFAULTS.batchSize,
        intervalMs: cfg.interval_ms ?? OTLP_DEFAULTS.intervalMs,
        metricsIntervalMs,
        resource,
      },
    };
  } catch (err) {
    return { kind: "invalid", message: `Cannot export over OTLP: ${(err as Error).message}` };
  }
}
