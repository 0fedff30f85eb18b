/** Interception + forwarding engine of the daemon (TLS termination, metering tee, raw tunnels). */
export { createMitmServer } from "./create_mitm_server.ts";
export { parseProxyHead } from "./parse_proxy_head.ts";
export type { ProxyHead } from "./parse_proxy_head.ts";
export type {
  ClientConnection,
  Decision,
  ExchangeEndInfo,
  ExchangeErrorKind,
  ExchangeObserver,
  MitmLog,
  MitmLogLevel,
  MitmOptions,
  MitmServer,
  MitmStats,
  RequestEndInfo,
  RequestInfo,
  ResponseHeadInfo,
  TlsFailureKind,
  WsDecision,
  WsMessageInfo,
} from "./types.ts";
