/**
 * A worker's global scope as the daemon's workers (process lookups, reports) use it: messages
 * in through `onmessage`, out through `postMessage`.
 */
export interface WorkerScope<In> {
  onmessage: ((e: MessageEvent<In>) => void) | null;
  postMessage(message: unknown): void;
}

/** `scope` as a worker scope; throws naming `what` when this is not a worker. */
export function workerScope<In>(scope: unknown, what: string): WorkerScope<In> {
  if (
    typeof scope === "object" && scope !== null && "postMessage" in scope &&
    typeof scope.postMessage === "function" && "onmessage" in scope
  ) {
    return scope as WorkerScope<In>;
  }
  throw new Error(`Cannot serve ${what}: not running in a worker (no postMessage)`);
}
