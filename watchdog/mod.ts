/**
 * The watchdog role: keeps the daemon up (unless stopped), the edge too with the direct backend,
 * and, in full mode, the system proxy consistent with the edge.
 */
export {
  BACKOFF_INITIAL_MS,
  BACKOFF_MAX_MS,
  DEFAULT_INTERVAL_MS,
  HEALTHY_RESET_MS,
  type ProbeResult,
  runWatchdog,
  type RunWatchdogOptions,
  STARTUP_GRACE_MS,
  type WatchdogDeps,
} from "./run_watchdog.ts";
export { createRestartRole, type RestartResult, type RestartRoleOptions } from "./restart_role.ts";
export { createControlSystemProxy, type SystemProxy } from "./system_proxy.ts";
