/**
 * The live feed behind the dashboard's event stream (SSE): the store hands it each committed
 * batch of rows, it fans them out to every connected browser.
 *
 * Metering must never wait on a browser, so `publish` is synchronous and bounded: each row is
 * serialized once, then offered to each client's queue. A client whose queue is full (a slow,
 * stalled or vanished browser whose socket stopped draining) is dropped on the spot: its stream
 * is errored, which discards what it had queued, and the browser's EventSource reconnects and
 * starts again from a `hello` event, on which the page reloads what it shows (resync). Memory is
 * thus bounded by `maxClients × maxQueuedEvents` events, whatever the browsers do.
 */
import type { CallRow } from "../store/mod.ts";

export interface CallFeedOptions {
  /** Events a client may have waiting before it is dropped. Default 256. */
  maxQueuedEvents?: number;
  /** Connected clients at most; one more is refused. Default 16. */
  maxClients?: number;
  /** A comment line every this often keeps idle connections (and proxies) open. Default 15 s. */
  heartbeatMs?: number;
  /** Browser reconnect delay sent in the stream (`retry:`). Default 2000 ms. */
  retryMs?: number;
}

export interface CallFeedStats {
  clients: number;
  /** Clients dropped because their queue was full, since start. */
  dropped: number;
  /** Row events queued to clients, since start. */
  sent: number;
}

export interface CallFeed {
  /** Offers committed rows to every client. Never blocks, never throws. */
  publish(rows: readonly CallRow[]): void;
  /** A new event stream, or null when `maxClients` are connected. */
  subscribe(): ReadableStream<Uint8Array> | null;
  stats(): CallFeedStats;
  /** Whether any stream is open (rows published now reach someone). */
  hasClients(): boolean;
  /** Ends every stream (the daemon stops: open streams would hold its HTTP server). */
  close(): void;
}

interface Client {
  controller: ReadableStreamDefaultController<Uint8Array>;
}

const enc = new TextEncoder();

/** Thrown into a dropped client's stream; the HTTP server then aborts its response. */
export class SlowConsumerError extends Error {
  constructor(queued: number) {
    super(`Dashboard event stream dropped: ${queued} events waiting unread`);
    this.name = "SlowConsumerError";
  }
}

export function createCallFeed(options: CallFeedOptions = {}): CallFeed {
  const maxQueued = options.maxQueuedEvents ?? 256;
  const maxClients = options.maxClients ?? 16;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const retryMs = options.retryMs ?? 2000;
  const clients = new Set<Client>();
  let dropped = 0;
  let sent = 0;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let closed = false;

  function remove(client: Client): void {
    clients.delete(client);
    if (clients.size === 0 && heartbeat !== undefined) {
      clearInterval(heartbeat);
      heartbeat = undefined;
    }
  }

  /** Queues `bytes` for `client`, or drops the client when its queue is full. */
  function offer(client: Client, bytes: Uint8Array): boolean {
    const room = client.controller.desiredSize ?? 0;
    if (room <= 0) {
      remove(client);
      dropped++;
      try {
        client.controller.error(new SlowConsumerError(maxQueued));
      } catch { /* already closed */ }
      return false;
    }
    client.controller.enqueue(bytes);
    return true;
  }

  function startHeartbeat(): void {
    if (heartbeat !== undefined || heartbeatMs <= 0) return;
    const ping = enc.encode(": ping\n\n");
    const timer = setInterval(() => {
      for (const c of [...clients]) offer(c, ping);
    }, heartbeatMs);
    Deno.unrefTimer(timer);
    heartbeat = timer;
  }

  return {
    publish(rows) {
      if (clients.size === 0 || rows.length === 0) return;
      for (const row of rows) {
        if (row.self_test) continue;
        let bytes: Uint8Array;
        try {
          bytes = enc.encode(`event: call\nid: ${row.id}\ndata: ${JSON.stringify(row)}\n\n`);
        } catch {
          continue; // a row that cannot be serialized is simply not streamed
        }
        for (const c of [...clients]) if (offer(c, bytes)) sent++;
      }
    },
    subscribe() {
      if (closed || clients.size >= maxClients) return null;
      let client: Client | undefined;
      return new ReadableStream<Uint8Array>({
        start(controller) {
          client = { controller };
          clients.add(client);
          // `hello` opens every stream, reconnects included: the page reloads what it shows.
          controller.enqueue(enc.encode(`retry: ${retryMs}\nevent: hello\ndata: {}\n\n`));
          startHeartbeat();
        },
        cancel() {
          if (client) remove(client);
        },
      }, new CountQueuingStrategy({ highWaterMark: maxQueued }));
    },
    stats: () => ({ clients: clients.size, dropped, sent }),
    hasClients: () => clients.size > 0,
    close() {
      closed = true;
      for (const c of [...clients]) {
        remove(c);
        try {
          c.controller.close();
        } catch { /* already closed */ }
      }
    },
  };
}
