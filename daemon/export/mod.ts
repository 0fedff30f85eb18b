/**
 * Export of the recorded calls to the systems a team already runs (docs/EXPORT.md): OTLP/HTTP
 * spans and metrics driven from the database by a persisted position, and the Prometheus text
 * for `/metrics`. Exporters read the store; they never sit between a client and its provider.
 */
export { type ExportServices, startExport, type StartExportOptions } from "./start_export.ts";
export type { ExportState, SignalState } from "./types.ts";
export { PROMETHEUS_CONTENT_TYPE } from "./render_prometheus.ts";
