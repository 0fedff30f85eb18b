/**
 * The lookup worker's side: runs process lookups (`_process_lookup.ts`) on a thread of its
 * own, with blocking file calls, so a scan of /proc never waits behind the daemon's TLS work
 * and never holds up its event loop. Protocol (`_worker_lookup.ts` is the other side): out
 * `{ ready: true }` once it listens (a message posted while the entry module still awaits its
 * imports would be lost, so the other side waits for it); in `{ id, client, ownPids, deadline }`
 * (deadline: epoch ms), out `{ id, project, error? }`.
 *
 * The worker runs the entry module (main.ts, or the bundle or binary built from it), which
 * calls this when it finds itself started under LOOKUP_WORKER_NAME: a bundle or a compiled
 * binary holds no worker file of its own to start.
 */
import { type ClientPorts, createProcessLookup } from "./_process_lookup.ts";
import { systemMachineDeps } from "./_system_deps.ts";
import { workerScope } from "../../core/mod.ts";

export interface LookupRequest {
  id: number;
  client: ClientPorts;
  ownPids: number[];
  deadline: number;
}

/** Serves lookups on `scope` (the worker's global scope) until the worker is terminated. */
export function serveLookups(global: unknown): void {
  const scope = workerScope<LookupRequest>(global, "process lookups");
  /** Outstanding lookups: their deadline and their abort controller. */
  const outstanding = new Map<number, { deadline: number; ac: AbortController }>();

  const lookup = createProcessLookup(systemMachineDeps({
    blocking: true,
    // Blocking calls leave no room for timers or messages: the deadline is checked at each
    // call, and work stops once every outstanding lookup is past its own.
    check: () => {
      const t = Date.now();
      let live = false;
      for (const o of outstanding.values()) {
        if (t > o.deadline) o.ac.abort();
        else live = true;
      }
      if (!live && outstanding.size > 0) throw new Error("lookup deadline passed");
    },
  }));

  scope.onmessage = async (e: MessageEvent<LookupRequest>) => {
    const { id, client, ownPids, deadline } = e.data;
    const ac = new AbortController();
    outstanding.set(id, { deadline, ac });
    // For lsof (macOS), where the lookup awaits a real subprocess and a timer can fire.
    const timer = setTimeout(() => ac.abort(), Math.max(0, deadline - Date.now()));
    try {
      const project = await lookup(client, { signal: ac.signal, ownPids, deadline });
      scope.postMessage({ id, project: ac.signal.aborted ? null : project });
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      scope.postMessage({ id, project: null, error: ac.signal.aborted ? undefined : error });
    } finally {
      clearTimeout(timer);
      outstanding.delete(id);
    }
  };
  scope.postMessage({ ready: true });
}
