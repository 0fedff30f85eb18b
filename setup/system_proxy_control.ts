import type { CommandRunner } from "./command_runner.ts";
import {
  createSetupReport,
  type SystemProxyControl,
  type SystemProxyState,
} from "./machine_interfaces.ts";
import { gsettingsControl } from "./system_proxy_gsettings.ts";
import { networksetupControl } from "./system_proxy_networksetup.ts";

export type SystemProxyBackendName = "networksetup" | "gsettings" | "none";

export interface SystemProxyControlOptions {
  /** `Deno.build.os`. */
  os: string;
  runner: CommandRunner;
  /** Forces a backend (tests, `doctor`); default: networksetup on macOS, gsettings on Linux. */
  backend?: SystemProxyBackendName;
}

const BACKEND_NAMES: readonly SystemProxyBackendName[] = ["networksetup", "gsettings", "none"];

/**
 * Test hook `HALTON_METER_SYSTEM_PROXY` (`none`, `gsettings`, `networksetup`): the backend
 * every component (init, status, doctor, watchdog) uses instead of the OS default, so a
 * sandboxed run never reads or changes the real desktop proxy. Unset or empty: undefined.
 */
function systemProxyBackendFromEnv(
  env: { get(key: string): string | undefined },
): SystemProxyBackendName | undefined {
  const value = env.get("HALTON_METER_SYSTEM_PROXY");
  if (value === undefined || value === "") return undefined;
  const backend = BACKEND_NAMES.find((b) => b === value);
  if (backend === undefined) {
    throw new Error(
      `HALTON_METER_SYSTEM_PROXY=${value} is not one of ${BACKEND_NAMES.join(", ")}; unset it`,
    );
  }
  return backend;
}

/** Where no OS-wide proxy is managed: every action is a `skipped` step saying why. */
export function noSystemProxy(detail: string): SystemProxyControl {
  const skipped = (action: string) => {
    const report = createSetupReport();
    report.add({ action, outcome: "skipped", detail });
    return Promise.resolve(report.done());
  };
  return {
    backend: "none",
    capture: () => Promise.resolve({ backend: "none", data: { detail } }),
    enable: () => skipped("system proxy on"),
    disable: () => skipped("system proxy off"),
    restore: () => skipped("system proxy restore"),
    // Nothing OS-wide points anywhere: for `status`, that is off.
    state: (): Promise<SystemProxyState> => Promise.resolve("off"),
  };
}

/**
 * The OS-wide proxy control for full mode: `networksetup` on macOS, GNOME `gsettings` on
 * Linux (which turns itself into `none` where the schema is missing), `none` elsewhere.
 */
export function createSystemProxyControl(opts: SystemProxyControlOptions): SystemProxyControl {
  const backend = opts.backend ??
    (opts.os === "darwin" ? "networksetup" : opts.os === "linux" ? "gsettings" : "none");
  switch (backend) {
    case "networksetup":
      return networksetupControl(opts.runner);
    case "gsettings":
      return gsettingsControl(opts.runner);
    case "none":
      return noSystemProxy(
        `no system proxy is managed on ${opts.os}: full mode covers tools that read HTTPS_PROXY`,
      );
  }
}

/**
 * The control init, uninstall, status, doctor and the watchdog use: the OS default, or the
 * backend the `HALTON_METER_SYSTEM_PROXY` test hook names. Throws on an unknown hook value.
 */
export function systemProxyControlFromEnv(opts: {
  os: string;
  runner: CommandRunner;
  env: { get(key: string): string | undefined };
}): SystemProxyControl {
  return createSystemProxyControl({
    os: opts.os,
    runner: opts.runner,
    backend: systemProxyBackendFromEnv(opts.env),
  });
}
