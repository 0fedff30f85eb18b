/**
 * A daemon restart under load, black-box: keep-alive clients through the edge while the daemon
 * drains (SIGTERM) or crashes (SIGKILL) and `up` starts it again.
 * - Draining fails no request: the response in flight says `connection: close`, a request
 *   arriving in the grace is answered, idle connections are closed between requests.
 * - While the daemon is down the edge tunnels raw (unmetered, never failed); once it is back,
 *   the raw tunnels are closed when idle and every client that pauses between calls is metered
 *   again within 10 s. A client that never pauses keeps its raw tunnel until it does: nothing
 *   seen through TLS tells the end of its answer from a pause inside a stream (README, "The
 *   edge").
 */
import assert from "node:assert/strict";
import { KeepAliveClient } from "./_support/keepalive_client.ts";
import { failuresAfterKill } from "./_support/kill_judgement.ts";
import { api, type Meter, startMeter, stopMeter } from "./_support/meter.ts";
import { pidAlive } from "./_support/processes.ts";
import { DRAIN_IDLE_MS } from "../daemon/mitm/serve_connection.ts";

const BODY = Deno.readTextFileSync(
  new URL("../adapters/testdata/anthropic/plain.request.json", import.meta.url),
);
const CLIENTS = 12;
/** The edge's re-homing idle time in this test (the default is 2 s). */
const REHOME_IDLE_MS = 1000;

interface Sent {
  client: number;
  at: number;
  ok: boolean;
  error?: string;
  /** How long the client had been quiet on its connection before this call (ms). */
  idle: number;
  /** Sent on a connection kept alive from an earlier call (false: a new connection). */
  reused: boolean;
}

/**
 * How long client `i` waits before its call number `n + 1`: a third go back to back (a batch
 * script), a third follow a call with a short look (0-200 ms) and every fourth with a long
 * pause (2.5-3.5 s: an agent running a tool), a third always pause long. Both idle closes the
 * test meets fall inside no pause: the edge's re-homing (`REHOME_IDLE_MS`, 1 s) comes 800 ms
 * after every short look and 1.5 s before the end of every long pause; the draining daemon's
 * (`DRAIN_IDLE_MS`, 2 s) comes after every short look and 500 ms before the end of every long
 * pause. A client that sends in the very instant its idle connection is closed sees it closed,
 * as with any server's keep-alive timeout (README, "Stopping the daemon"): an earlier pattern
 * whose long pauses (1.5-2.5 s) straddled the 2 s drain close met that instant once in CI.
 */
function thinkTime(i: number, n: number): number {
  if (i % 3 === 0) return 0;
  const long = i % 3 === 2 || n % 4 === 0;
  return long ? DRAIN_IDLE_MS + 500 + Math.random() * 1000 : Math.random() * 200;
}

/** Clients loop until `stop`: a plain or a streamed call (1 in 3), then thinkTime. */
function startClients(m: Meter, stop: { done: boolean }) {
  const log: Sent[] = [];
  const caCerts = [
    Deno.readTextFileSync(`${m.home}/ca/halton-meter-ca.pem`),
    m.ca.caPem,
  ];
  const loops = Array.from({ length: CLIENTS }, async (_, i) => {
    const c = new KeepAliveClient({
      proxyPort: m.ports.edge,
      target: "api.anthropic.com:443",
      caCerts,
      project: `client-${i}`,
    });
    let n = 0;
    let lastEnd = Date.now();
    while (!stop.done) {
      const stream = n++ % 3 === 0;
      const at = Date.now();
      const idle = at - lastEnd;
      const reused = c.reuses();
      try {
        const r = await c.post(
          "/v1/messages",
          stream ? BODY.replace('"max_tokens"', '"stream":true,"max_tokens"') : BODY,
          {
            "x-api-key": `sk-ant-test-client-${i}`,
            "anthropic-version": "2023-06-01",
            ...(stream
              ? { "x-fake-exchange": "anthropic/stream_cache_5m_1h", "x-fake-delay-ms": "120" }
              : {}),
          },
        );
        log.push({
          client: i,
          at,
          idle,
          reused,
          ok: r.status === 200,
          error: r.status === 200 ? undefined : `status ${r.status}`,
        });
      } catch (err) {
        log.push({ client: i, at, idle, reused, ok: false, error: (err as Error).message });
      }
      lastEnd = Date.now();
      await new Promise((r) => setTimeout(r, thinkTime(i, n)));
    }
    c.close();
  });
  return { log, done: () => Promise.all(loops) };
}

async function daemonPid(m: Meter): Promise<number> {
  return Number((await Deno.readTextFile(`${m.home}/run/daemon.pid`)).trim());
}

/** Waits until a daemon other than `old` answers /health on the API port. */
async function newDaemon(m: Meter, old: number, timeoutMs = 20_000): Promise<number> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try {
      const pid = await daemonPid(m);
      if (pid !== old && pidAlive(pid)) {
        const ports = JSON.parse(await Deno.readTextFile(`${m.home}/effective-ports.json`));
        const r = await fetch(`http://127.0.0.1:${ports.api}/health`);
        const h = await r.json();
        if (h.pid === pid) {
          m.ports = ports;
          return pid;
        }
      }
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the daemon did not come back");
}

async function rowsPerClient(m: Meter, from: number, to: number): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (let i = 0; i < CLIENTS; i++) {
    const r = await api(m, `/v1/calls?project=client-${i}&since=${from}&until=${to}&limit=1000`);
    out.set(i, r.body.calls.length);
  }
  return out;
}

for (const signal of ["SIGTERM", "SIGKILL"] as const) {
  Deno.test(`daemon ${signal} under keep-alive load: no request fails; clients that pause are metered again within 10 s`, async () => {
    const m = await startMeter("hm-restart-", {
      config: { edge: { rehome_idle_ms: REHOME_IDLE_MS } },
    });
    const stop = { done: false };
    const clients = startClients(m, stop);
    try {
      await new Promise((r) => setTimeout(r, 2500));
      const old = await daemonPid(m);
      const killedAt = Date.now();
      Deno.kill(old, signal);
      await newDaemon(m, old);
      const recoveredAt = Date.now();
      // Ten seconds for every client to be moved back, then a window where all must be metered.
      await new Promise((r) => setTimeout(r, 10_000));
      const windowFrom = Date.now();
      await new Promise((r) => setTimeout(r, 5000));
      const windowTo = Date.now();
      stop.done = true;
      await clients.done();

      // A drain loses nothing. A crash loses what was in flight through the daemon at that
      // instant, and after it is judged per connection (kill_judgement.ts).
      const failed = signal === "SIGTERM"
        ? clients.log.filter((s) => !s.ok)
        : failuresAfterKill(clients.log.map((s) => ({ ...s, kept: s.reused })), killedAt).failed;
      const shown = failed.map((s) => ({ ...s, at: s.at - killedAt }));
      assert.deepEqual(
        shown,
        [],
        `${failed.length} of ${clients.log.length} requests failed (times from the kill; ` +
          `recovered ${recoveredAt - killedAt} ms after it): ${JSON.stringify(shown)}`,
      );
      await new Promise((r) => setTimeout(r, 500)); // the last rows land
      const rows = await rowsPerClient(m, windowFrom, windowTo - 200);
      for (let i = 0; i < CLIENTS; i++) {
        if (i % 3 === 0) continue; // back to back: never idle, so never moved (see above)
        const sent = clients.log.filter((s) =>
          s.client === i && s.at >= windowFrom + 50 && s.at < windowTo - 300
        ).length;
        assert.ok(sent > 0, `client ${i} sent nothing in the window`);
        assert.ok(
          (rows.get(i) ?? 0) >= sent,
          `client ${i}: ${
            rows.get(i)
          } rows for ${sent} requests 10 s after recovery: still unmetered`,
        );
      }
    } finally {
      stop.done = true;
      await clients.done().catch(() => {});
      await stopMeter(m);
    }
  });
}
