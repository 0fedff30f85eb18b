export { GRACEFUL_STOP_WINDOW_MS, runDaemon, type RunDaemonOptions } from "./run_daemon.ts";
