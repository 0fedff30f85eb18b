import { homePaths, type Logger } from "../core/mod.ts";
import { type FileDeps, loginEnvEdgePort, readLoginEnvRecord } from "../setup/mod.ts";
import type { SystemProxy } from "./system_proxy.ts";

/** A re-apply that did not take is tried again after this long, not every tick. */
export const FOLLOW_RETRY_MS = 60_000;

export interface EdgePortFollower {
  /** `edgePort` is where the edge answers now; `proxyOurs`: full mode with init's OS proxy. */
  tick(now: number, edgePort: number, proxyOurs: boolean): Promise<void>;
}

/**
 * When the edge comes back on another port (port 0, or a fallback because its own was taken),
 * the login environment init recorded (`login-env.json`, and from it the rc blocks,
 * environment.d, launchctl or HKCU) still names the old one, and so does a system proxy in
 * full mode. The watchdog is who notices: the edge stays small and never touches the login
 * environment. This re-points the system proxy (only when it points at our old port) and has
 * the login environment re-applied (the userenv role, which re-points the record first).
 * Shells and apps already running keep the environment they started with.
 */
export function createEdgePortFollower(o: {
  home: string;
  files: FileDeps;
  log: Logger;
  /** Runs the userenv role once (exit code 0 when applied). */
  reapplyLoginEnv(): Promise<number>;
  systemProxy: SystemProxy;
}): EdgePortFollower {
  const paths = homePaths(o.home);
  let attempted: { port: number; at: number } | null = null;
  return {
    async tick(now, edgePort, proxyOurs) {
      const read = await readLoginEnvRecord(o.files, paths.loginEnv);
      const recorded = read.kind === "found" ? loginEnvEdgePort(read.value.env) : null;
      if (recorded === null || recorded === edgePort) {
        attempted = null;
        return;
      }
      if (attempted?.port === edgePort && now - attempted.at < FOLLOW_RETRY_MS) return;
      attempted = { port: edgePort, at: now };
      o.log.log("warn", "the edge moved: re-pointing the login environment at it", {
        from: `127.0.0.1:${recorded}`,
        to: `127.0.0.1:${edgePort}`,
        note: "shells already open keep the old HTTPS_PROXY; open a new one",
      });
      if (proxyOurs) {
        try {
          // Only a proxy that still names our old edge: any other setting is the user's.
          if (await o.systemProxy.pointsAt(recorded)) {
            await o.systemProxy.set(true);
            o.log.log("info", "system proxy re-pointed at the edge", { port: edgePort });
          }
        } catch (err) {
          o.log.log("error", "cannot re-point the system proxy", { error: String(err) });
        }
      }
      try {
        const code = await o.reapplyLoginEnv();
        o.log.log(
          code === 0 ? "info" : "error",
          code === 0
            ? "login environment re-applied"
            : `login environment not re-applied (exit ${code}); see ${paths.logs}/userenv.log`,
        );
      } catch (err) {
        o.log.log("error", "login environment re-apply threw", { error: String(err) });
      }
    },
  };
}
