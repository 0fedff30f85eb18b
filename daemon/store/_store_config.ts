/** The store's defaults (bounds, timings), its default deps, and the file preparation it does. */
import type { OpenStoreOptions, StoreDeps } from "./types.ts";

const MIB = 1024 * 1024;
/** Memory-only rows offered to the spool per flush while degraded (the rest wait a flush). */
export const PARK_ROWS_PER_FLUSH = 5_000;
const DEFAULTS = {
  queueCap: 50_000,
  batchRows: 200,
  flushIntervalMs: 50,
  busyTimeoutMs: 200,
  spoolCapBytes: 64 * MIB,
  spoolReserveBytes: 16 * MIB,
  retryMinMs: 1_000,
  retryMaxMs: 10_000,
};

/** Real timers and clock; no transaction hook; no log. */
export function defaultStoreDeps(): StoreDeps {
  return {
    timers: {
      schedule: (fn, ms) => {
        const timer = setTimeout(fn, ms);
        return () => clearTimeout(timer);
      },
    },
    now: () => Date.now(),
    onTransaction: () => {},
    log: () => {},
  };
}

function parentDir(path: string): string | null {
  const i = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return i > 0 ? path.slice(0, i) : null;
}

/** Best effort: create the parent folder, and the file itself with 0600 (rows name projects). */
export function prepareFile(path: string): void {
  try {
    const dir = parentDir(path);
    if (dir) Deno.mkdirSync(dir, { recursive: true });
    Deno.openSync(path, { create: true, write: true, mode: 0o600 }).close();
  } catch {
    // The real open reports the problem with SQLite's own words.
  }
}

/** Drops `undefined` options so they do not override the defaults. */
function definedOnly(options: OpenStoreOptions): Partial<typeof DEFAULTS> {
  const out: Partial<typeof DEFAULTS> = {};
  for (const key of Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[]) {
    const v = options[key];
    if (typeof v === "number" && Number.isFinite(v) && v >= 0) out[key] = v;
  }
  return out;
}

/** The store's bounds and timings: the defaults, overridden by the options given. */
export function storeConfig(options: OpenStoreOptions): typeof DEFAULTS {
  return { ...DEFAULTS, ...definedOnly(options) };
}
