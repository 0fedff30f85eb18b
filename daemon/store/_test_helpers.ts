import { openSpoolFile, type SpoolFile } from "./_spool_file.ts";
import type { StoreState, StoreTimers } from "./types.ts";

/** The row counts of a store state, for compact assertions. */
export function counts(s: StoreState): Pick<
  StoreState,
  "state" | "queued" | "spooled" | "dropped" | "memoryOnly"
> {
  return {
    state: s.state,
    queued: s.queued,
    spooled: s.spooled,
    dropped: s.dropped,
    memoryOnly: s.memoryOnly,
  };
}

export interface FakeTimer {
  fn: () => void;
  ms: number;
  cancelled: boolean;
  fired: boolean;
}

/** Timers that only run when a test fires them, so flush/retry behaviour needs no sleeps. */
export function fakeTimers(): {
  timers: StoreTimers;
  pending(): FakeTimer[];
  fireAll(): void;
} {
  const all: FakeTimer[] = [];
  const pending = () => all.filter((t) => !t.cancelled && !t.fired);
  return {
    timers: {
      schedule(fn, ms) {
        const timer: FakeTimer = { fn, ms, cancelled: false, fired: false };
        all.push(timer);
        return () => {
          timer.cancelled = true;
        };
      },
    },
    pending,
    fireAll() {
      for (const t of pending()) {
        t.fired = true;
        t.fn();
      }
    },
  };
}

/** A temp dir with the store's two paths; remove it with `cleanup`. */
export async function tempPaths(): Promise<
  { dir: string; path: string; spoolPath: string; cleanup(): Promise<void> }
> {
  const dir = await Deno.makeTempDir({ prefix: "halton-store-" });
  return {
    dir,
    path: `${dir}/db.sqlite`,
    spoolPath: `${dir}/spool.jsonl`,
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
}

export function spoolLines(spoolPath: string): string[] {
  try {
    return Deno.readTextFileSync(spoolPath).split("\n").filter((l) => l.trim() !== "");
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

/**
 * A spool file on a "disk" that holds `free()` more bytes: a write that would grow the file
 * past them writes what fits, then fails with ENOSPC, as a real full filesystem does; writes
 * inside the file always succeed. `opened`/`closed` count handles.
 */
export function fullDiskFiles(free: () => number): {
  openFile(path: string): SpoolFile;
  opened: number;
  closed: number;
} {
  const out = {
    opened: 0,
    closed: 0,
    openFile(path: string): SpoolFile {
      const real = openSpoolFile(path);
      out.opened++;
      return {
        ...real,
        write(offset, bytes) {
          const room = real.size() + free() - offset;
          if (bytes.length > room) {
            if (room > 0) real.write(offset, bytes.subarray(0, room));
            throw Object.assign(new Error("No space left on device (os error 28)"), {
              code: "ENOSPC",
            });
          }
          real.write(offset, bytes);
        },
        close() {
          out.closed++;
          real.close();
        },
      };
    },
  };
  return out;
}
