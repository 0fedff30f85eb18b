export { runEdge, type RunEdgeOptions } from "./run_edge.ts";
export { headerValue, parseRequestHead, type RequestHead } from "./parse_request_head.ts";
export { type Authority, formatAuthority, parseAuthority } from "./parse_authority.ts";
export { probeDaemonHealth } from "./probe_daemon_health.ts";
export { CLIENT_HEADER, type ClientPorts, rewriteChainHead } from "./rewrite_chain_head.ts";
