export interface EdgeBenchOptions {
  /** Bytes per throughput run. */
  bytes: number;
  /** Throughput runs per path, interleaved across paths. */
  runs: number;
  /** Measured set-up latency connections per path. */
  connections: number;
  /** Unrecorded connections per path before measuring. */
  warmup: number;
  /** The latency connections are split into this many interleaved rounds. */
  rounds: number;
  /** HAProxy `nbthread`. */
  haproxyThreads: number;
}

export const EDGE_DEFAULTS: EdgeBenchOptions = {
  bytes: 1 << 30,
  runs: 7,
  connections: 2000,
  warmup: 200,
  rounds: 4,
  haproxyThreads: 1,
};

export const EDGE_USAGE = `bench edge options:
  --bytes <size>        bytes per throughput run (default 1GiB; suffixes KiB, MiB, GiB)
  --runs <n>            throughput runs per path, interleaved (default ${EDGE_DEFAULTS.runs})
  --connections <n>     set-up latency samples per path (default ${EDGE_DEFAULTS.connections})
  --warmup <n>          unrecorded connections per path first (default ${EDGE_DEFAULTS.warmup})
  --rounds <n>          interleaved latency rounds (default ${EDGE_DEFAULTS.rounds})
  --haproxy-threads <n> HAProxy nbthread (default ${EDGE_DEFAULTS.haproxyThreads})`;

const UNITS: Record<string, number> = { "": 1, kib: 1 << 10, mib: 1 << 20, gib: 1 << 30 };

export function parseSize(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*(|kib|mib|gib)$/i.exec(text.trim());
  if (!m) return null;
  const n = Math.round(Number(m[1]) * UNITS[m[2].toLowerCase()]);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

export type ParsedEdgeOptions =
  | { ok: true; value: EdgeBenchOptions }
  | { ok: false; message: string };

/** Parses `bench edge` options; an unknown or malformed option is an error naming it. */
export function parseEdgeOptions(args: readonly string[]): ParsedEdgeOptions {
  const value = { ...EDGE_DEFAULTS };
  const ints: Record<string, keyof EdgeBenchOptions> = {
    "--runs": "runs",
    "--connections": "connections",
    "--warmup": "warmup",
    "--rounds": "rounds",
    "--haproxy-threads": "haproxyThreads",
  };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].includes("=") ? args[i].split("=", 2) : [args[i], undefined];
    const raw = inline ?? args[i + 1];
    if (inline === undefined) i++;
    if (flag === "--bytes") {
      const n = raw === undefined ? null : parseSize(raw);
      if (n === null) {
        return { ok: false, message: `--bytes: expected a size like 1GiB, got ${raw}` };
      }
      value.bytes = n;
    } else if (flag in ints) {
      const n = Number(raw);
      const min = flag === "--warmup" ? 0 : 1;
      if (!Number.isSafeInteger(n) || n < min) {
        return { ok: false, message: `${flag}: expected a whole number ≥ ${min}, got ${raw}` };
      }
      value[ints[flag]] = n;
    } else {
      return { ok: false, message: `unknown option ${flag} for bench edge\n${EDGE_USAGE}` };
    }
  }
  if (value.rounds > value.connections) value.rounds = value.connections;
  return { ok: true, value };
}
