import type { Logger } from "../core/mod.ts";

/** The OS-wide proxy setting the watchdog flips in full mode. */
export interface SystemProxy {
  isOn(): Promise<boolean>;
  set(on: boolean): Promise<void>;
}

/**
 * Placeholder until the real backends (networksetup, gsettings) land in setup/: it
 * remembers the requested state and logs it, so the watchdog's decisions are visible in
 * `logs/watchdog.log` without touching the machine.
 */
export function createLoggingSystemProxy(log: Logger, initiallyOn = true): SystemProxy {
  let on = initiallyOn;
  return {
    isOn: () => Promise.resolve(on),
    set(next) {
      on = next;
      log.log("info", "system proxy (no-op backend): would set", { on: next });
      return Promise.resolve();
    },
  };
}
