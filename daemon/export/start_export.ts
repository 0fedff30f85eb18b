/**
 * The daemon's export services (docs/EXPORT.md), wired from config.json and the environment:
 * the Prometheus text for `/metrics`, the OTLP exporter when an endpoint is configured, and the
 * state `/health` shows. Nothing here is on a call's path: both read the database on their own.
 */
import { resourceFromAttributes } from "@opentelemetry/resources";
import type { Config } from "../../config/mod.ts";
import type { Store, StoreState } from "../store/mod.ts";
import type { Scope } from "./call_span.ts";
import { createMetricsFeed } from "./create_metrics_feed.ts";
import { createOtlpExporter, idleExportState, type OtlpExporter } from "./create_otlp_exporter.ts";
import { createMetricsState } from "./metrics_state.ts";
import { otlpMetrics } from "./otlp_metrics.ts";
import { resolveOtlpSettings } from "./otlp_settings.ts";
import { renderPrometheus } from "./render_prometheus.ts";
import { type Fetch, sendOtlp } from "./send_otlp.ts";
import type { ExportState } from "./types.ts";

export const DEFAULT_MAX_LABEL_VALUES = 50;

export interface StartExportOptions {
  home: string;
  config: Config;
  env(name: string): string | undefined;
  store: Store;
  version: string;
  /** Epoch ms the daemon started. */
  startedAt: number;
  now(): number;
  log(level: "info" | "warn", message: string): void;
  /**
   * The resource's `host.name` (resource attributes override it). No `user.name` by default: a
   * team's collector gets the person only when the user adds it (docs/TEAM.md).
   */
  hostName: string;
  /** True while calls are in flight: the exporter works in the gaps (create_otlp_exporter.ts). */
  busy?(): boolean;
  fetch?: Fetch;
}

export interface ExportServices {
  state(): ExportState;
  /** The `/metrics` body. */
  prometheus(store: StoreState): string;
  close(): Promise<void>;
}

function clientFetch(caFile: string | null, base: Fetch): Fetch {
  if (caFile === null) return base;
  const client = Deno.createHttpClient({ caCerts: [Deno.readTextFileSync(caFile)] });
  return (url, init) => fetch(url, { ...init, client });
}

export function startExport(opts: StartExportOptions): ExportServices {
  const metricsState = createMetricsState({
    maxLabelValues: opts.config.export?.prometheus?.max_label_values ?? DEFAULT_MAX_LABEL_VALUES,
    startedAt: opts.startedAt,
  });
  const feed = createMetricsFeed({
    store: opts.store,
    state: metricsState,
    log: (m) => opts.log("warn", m),
  });
  // From the start, so the latency histograms hold every call since the daemon started.
  feed.start();
  const resolved = resolveOtlpSettings(opts.config, opts.env);
  let exporter: OtlpExporter | null = null;
  let idle: ExportState | null = null;
  if (resolved.kind === "on") {
    const settings = resolved.settings;
    const scope: Scope = { name: "halton-meter", version: opts.version };
    const attributes = resourceAttributes(opts.version, opts.hostName, settings.resource);
    const resource = resourceFromAttributes(attributes);
    let fetchFn: Fetch;
    try {
      fetchFn = clientFetch(settings.caFile, opts.fetch ?? fetch);
    } catch (err) {
      fetchFn = () =>
        Promise.reject(
          new Error(`Cannot read the CA file ${settings.caFile}: ${(err as Error).message}`),
        );
    }
    exporter = createOtlpExporter({
      store: opts.store,
      settings,
      cursorPath: `${opts.home}/export/otlp-cursor.json`,
      resource: attributes,
      scope,
      metrics: () => otlpMetrics(feed.snapshot(), resource, scope, opts.now()),
      send: (target, body, signal) => sendOtlp(fetchFn, target, body, opts.now, signal),
      now: opts.now,
      log: opts.log,
      busy: opts.busy,
    });
    opts.log("info", `export: OTLP to ${settings.traces.url} (${settings.traces.protocol})`);
  } else {
    idle = idleExportState(
      resolved.kind,
      resolved.kind === "off" ? resolved.reason : resolved.message,
    );
    if (resolved.kind === "invalid") opts.log("warn", resolved.message);
  }
  const state = () => exporter?.state() ?? idle!;
  return {
    state,
    prometheus: (store) => renderPrometheus(feed.snapshot(), store, exporter ? state() : null),
    async close() {
      feed.close();
      await exporter?.close();
    },
  };
}

/**
 * The exported resource: who sends (`service.*`), from which machine (`host.name`), then the
 * user's own attributes, which win. The OS account name is never added on its own.
 */
export function resourceAttributes(
  version: string,
  hostName: string,
  configured: Readonly<Record<string, string>>,
): Record<string, string> {
  return {
    "service.name": "halton-meter",
    "service.version": version,
    "host.name": hostName,
    ...configured,
  };
}
