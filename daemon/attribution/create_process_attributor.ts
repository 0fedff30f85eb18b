import type { Logger } from "../../core/mod.ts";
import type { ClientConnection } from "../mitm/mod.ts";
import {
  type ClientPorts,
  createProcessLookup,
  type MachineDeps,
  type ProcessLookup,
  type ProcessProject,
} from "./_process_lookup.ts";
import { systemMachineDeps } from "./_system_deps.ts";
import { createWorkerLookup } from "./_worker_lookup.ts";

export type { MachineDeps, ProcessLookup, ProcessProject };

export interface ProcessAttributorDeps {
  log: Logger;
  now?: () => number;
  /** Our own processes (daemon, edge): never the client. Default: this process. */
  ownPids?: () => Iterable<number>;
  /**
   * Where lookups run. Default: a worker thread on `workerModule` reading this machine
   * (falling back to this thread, non-blocking, where no worker starts, or without
   * `workerModule`). Tests pass `createProcessLookup(fakeMachine)`.
   */
  lookup?: ProcessLookup;
  /**
   * The program's entry module (main.ts's `import.meta.url`, the bundle's, the binary's): the
   * lookup worker runs it under LOOKUP_WORKER_NAME (see serve_lookups.ts).
   */
  workerModule?: string | URL;
  /** A lookup still running after this resolves null; default 1500 ms. */
  timeoutMs?: number;
}

export interface ProcessAttributor {
  /**
   * The project of the process at the client end of `conn`, from its working directory.
   * One lookup per connection object (the same promise for every request on it); never
   * rejects; resolves within the timeout, null when the process cannot be found or names
   * no project.
   */
  projectFor(conn: ClientConnection): Promise<ProcessProject | null>;
  /**
   * The connection's project once its lookup has finished (null: none found); undefined while
   * it runs or before it started. Lets every request after the first skip the promise.
   */
  known(conn: ClientConnection): ProcessProject | null | undefined;
  /** Stops the lookup worker; later lookups resolve null. */
  close(): void;
}

/** A slow-lookup or failure line at most this often (the rest are counted into the next). */
const LOG_EVERY_MS = 60_000;

/** Lookups of this machine: in the lookup worker, on this thread when the worker cannot run. */
function machineLookup(
  log: Logger,
  workerModule: string | URL | undefined,
): { run: ProcessLookup; close(): void } {
  let inline: ProcessLookup | null = null;
  const fallBack = (why: string): ProcessLookup => {
    if (inline) return inline;
    log.log("warn", "process lookups run on the daemon's event loop from now on", {
      reason: why.slice(0, 300),
    });
    return inline = createProcessLookup(systemMachineDeps());
  };
  if (workerModule === undefined) {
    return { run: createProcessLookup(systemMachineDeps()), close: () => {} };
  }
  try {
    const worker = createWorkerLookup(workerModule);
    return {
      run: (client, ctx) => {
        const failure = worker.failure();
        return failure === null ? worker.lookup(client, ctx) : fallBack(failure)(client, ctx);
      },
      close: worker.close,
    };
  } catch (err) {
    return { run: fallBack(`the lookup worker did not start: ${String(err)}`), close: () => {} };
  }
}

/**
 * Attributes intercepted connections to the calling process's project, with no user action
 * (docs/PROJECTS.md): the client's TCP ports → its socket → its process → its working
 * directory → the enclosing git repository's name (or the directory's).
 */
export function createProcessAttributor(deps: ProcessAttributorDeps): ProcessAttributor {
  const now = deps.now ?? Date.now;
  const timeoutMs = deps.timeoutMs ?? 1500;
  const ownPids = deps.ownPids ?? (() => [Deno.pid]);
  const byConnection = new WeakMap<ClientConnection, Promise<ProcessProject | null>>();
  const settled = new WeakMap<ClientConnection, ProcessProject | null>();
  let lastLog = -Infinity;
  let unlogged = 0;
  let closed = false;

  const note = (message: string, fields: Record<string, string | number>) => {
    const t = now();
    if (t - lastLog < LOG_EVERY_MS) {
      unlogged++;
      return;
    }
    deps.log.log("warn", message, unlogged ? { ...fields, not_logged_since: unlogged } : fields);
    lastLog = t;
    unlogged = 0;
  };

  const { run, close } = deps.lookup
    ? { run: deps.lookup, close: () => {} }
    : machineLookup(deps.log, deps.workerModule);

  const bounded = (client: ClientPorts): Promise<ProcessProject | null> => {
    const ac = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(() => {
        ac.abort();
        note(
          `process attribution: no answer within ${timeoutMs} ms; the call has no process project`,
          {
            client_port: client.port,
            server_port: client.serverPort,
          },
        );
        resolve(null);
      }, timeoutMs);
    });
    let work: Promise<ProcessProject | null>;
    try {
      work = run(client, {
        signal: ac.signal,
        ownPids: [...ownPids()],
        deadline: Date.now() + timeoutMs,
      });
    } catch (err) {
      work = Promise.reject(err);
    }
    const safe = work.catch((err) => {
      if (!ac.signal.aborted) {
        note("process attribution failed; the call has no process project", {
          error: (err instanceof Error ? err.message : String(err)).slice(0, 300),
        });
      }
      return null;
    });
    return Promise.race([safe, late]).finally(() => clearTimeout(timer));
  };

  return {
    projectFor(conn) {
      let p = byConnection.get(conn);
      if (!p) {
        p = conn.client === null || closed ? Promise.resolve(null) : bounded(conn.client);
        byConnection.set(conn, p);
        p.then((project) => settled.set(conn, project), () => settled.set(conn, null));
      }
      return p;
    },
    known: (conn) => settled.get(conn),
    close() {
      closed = true;
      close();
    },
  };
}
