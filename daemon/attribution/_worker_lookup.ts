/** The daemon's side of the lookup worker (`serve_lookups.ts`): a ProcessLookup that runs there. */
import { createWorkerOutbox, LOOKUP_WORKER_NAME } from "../../core/mod.ts";
import type { ProcessLookup, ProcessProject } from "./_process_lookup.ts";

type LookupReply = { ready: true } | {
  id: number;
  project: ProcessProject | null;
  error?: string;
};

export interface WorkerLookup {
  lookup: ProcessLookup;
  /** Why the worker died (its lookups then reject), or null while it runs. */
  failure(): string | null;
  /** Stops the worker; lookups still waiting resolve null. */
  close(): void;
}

/**
 * Starts the worker on `entryModule`, the program's entry module (main.ts, or the bundle built
 * from it), which serves lookups when it runs under LOOKUP_WORKER_NAME. Throws when workers
 * cannot be started here (the caller falls back).
 */
export function createWorkerLookup(entryModule: string | URL): WorkerLookup {
  const worker = new Worker(entryModule, { type: "module", name: LOOKUP_WORKER_NAME });
  const waiting = new Map<
    number,
    { resolve: (p: ProcessProject | null) => void; reject: (e: Error) => void }
  >();
  let nextId = 1;
  let closed = false;
  let failure: string | null = null;
  // Bounded: a worker that never listens would otherwise collect every lookup (each one's
  // caller has long resolved null at its deadline).
  const outbox = createWorkerOutbox(worker, 256);
  worker.onmessage = (e: MessageEvent<LookupReply>) => {
    const m = e.data;
    if ("ready" in m) return outbox.open();
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if (m.error) w.reject(new Error(m.error));
    else w.resolve(m.project);
  };
  worker.onerror = (e: ErrorEvent) => {
    e.preventDefault(); // a dead worker must not take the daemon with it
    failure = `process lookup worker failed: ${e.message}`;
    worker.terminate();
    for (const w of waiting.values()) w.reject(new Error(failure));
    waiting.clear();
  };
  return {
    lookup(client, ctx) {
      if (failure !== null) return Promise.reject(new Error(failure));
      if (closed) return Promise.resolve(null);
      return new Promise((resolve, reject) => {
        const id = nextId++;
        waiting.set(id, { resolve, reject });
        ctx.signal.addEventListener("abort", () => {
          if (waiting.delete(id)) resolve(null);
        }, { once: true });
        // The worker stops by itself at the deadline: the signal cannot reach into its scan.
        outbox.send({ id, client, ownPids: [...ctx.ownPids], deadline: ctx.deadline });
      });
    },
    failure: () => failure,
    close() {
      closed = true;
      worker.terminate();
      for (const w of waiting.values()) w.resolve(null);
      waiting.clear();
    },
  };
}
