import type { Logger } from "../core/mod.ts";
import type { SetupReport, SystemProxyControl } from "../setup/mod.ts";

/** The OS-wide proxy setting the watchdog flips in full mode. */
export interface SystemProxy {
  /** True when the OS proxy points at our edge. */
  isOn(): Promise<boolean>;
  /** True when the OS proxy points at 127.0.0.1:`port` (an edge that has since moved). */
  pointsAt(port: number): Promise<boolean>;
  /** Off: `disable()`; on: `enable(edge port)`. Throws when the backend refused. */
  set(on: boolean): Promise<void>;
}

function summary(report: SetupReport): string {
  return report.steps.map((s) => `${s.action} ${s.outcome}: ${s.detail}`).join("; ");
}

/**
 * The watchdog's view of a `SystemProxyControl` (networksetup, gsettings): "on" means
 * pointing at the edge port in `effective-ports.json` at the time of the call, so a
 * restarted edge on a fallback port is followed. A refused change throws, so the
 * watchdog logs it and tries again on the next tick instead of believing it happened.
 */
export function createControlSystemProxy(
  control: SystemProxyControl,
  edgePort: () => number | undefined,
  log: Logger,
): SystemProxy {
  const port = (): number => {
    const p = edgePort();
    if (p === undefined) {
      throw new Error(
        "Cannot point the system proxy at the edge: effective-ports.json has no edge port; run halton-meter start",
      );
    }
    return p;
  };
  return {
    async isOn() {
      const p = edgePort();
      return p !== undefined && (await control.state(p)) === "on";
    },
    pointsAt: async (p) => (await control.state(p)) === "on",
    async set(on) {
      const report = on ? await control.enable(port()) : await control.disable();
      log.log(
        report.ok ? "info" : "error",
        `system proxy (${control.backend}) ${on ? "on" : "off"}`,
        {
          ok: report.ok,
          detail: summary(report),
        },
      );
      if (!report.ok) {
        throw new Error(`Cannot turn the system proxy ${on ? "on" : "off"}: ${summary(report)}`);
      }
    },
  };
}
