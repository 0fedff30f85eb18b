// The shared base every role uses. No npm imports here: the edge depends on it.
export * from "./paths.ts";
export * from "./logger.ts";
export * from "./make_logs_private.ts";
export * from "./effective_ports.ts";
export * from "./intercept_hosts.ts";
export * from "./listen_with_fallback.ts";
export * from "./version.ts";
export type * from "./usage.ts";
export { emptyUsage } from "./usage.ts";
export type * from "./call_record.ts";
export * from "./role_command.ts";
export * from "./test_clock.ts";
export * from "./format_usd.ts";
export * from "./zoned_time.ts";
export * from "./release.ts";
export * from "./sha256_hex.ts";
export * from "./worker_scope.ts";
export * from "./write_file_atomic.ts";
