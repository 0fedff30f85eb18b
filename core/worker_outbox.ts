/**
 * Messages to a worker, held until it says it listens. A message posted to a worker while it
 * still evaluates its entry module (main.ts awaits the import of the role it serves) is
 * silently lost, so the daemon's workers post `{ ready: true }` once they listen, and the
 * daemon sends through an outbox it opens then.
 */
export interface WorkerOutbox {
  /** Posts now when open; else holds the message (the oldest dropped past `limit`). */
  send(message: unknown): void;
  /** The worker listens: what was held goes, in order, and later messages go at once. */
  open(): void;
}

export function createWorkerOutbox(
  worker: Pick<Worker, "postMessage">,
  limit = Infinity,
): WorkerOutbox {
  let listening = false;
  const held: unknown[] = [];
  return {
    send(message) {
      if (listening) return worker.postMessage(message);
      if (held.push(message) > limit) held.shift();
    },
    open() {
      listening = true;
      for (const m of held.splice(0)) worker.postMessage(m);
    },
  };
}
