import assert from "node:assert/strict";
import { createTunnelRehomer } from "./rehome_tunnels.ts";

function setup(idleMs = 500) {
  let t = 0;
  let healthy = false;
  const closed: string[] = [];
  const r = createTunnelRehomer({
    idleMs,
    isHealthy: () => Promise.resolve(healthy),
    now: () => t,
  });
  return {
    r,
    closed,
    at: (ms: number) => t = ms,
    heal: () => healthy = true,
    track: (name: string) => r.track("api.anthropic.com", () => closed.push(name)),
  };
}

Deno.test("rehomer: an idle tunnel whose last bytes went to the client is closed once the daemon is back", async () => {
  const s = setup();
  const a = s.track("a");
  a.up();
  s.at(10);
  a.down(); // the answer
  s.at(2000);
  assert.equal(await s.r.sweep(), 0, "daemon still down: nothing moves");
  s.heal();
  assert.equal(await s.r.sweep(), 1);
  assert.deepEqual(s.closed, ["a"]);
  assert.equal(s.r.size(), 0);
});

Deno.test("rehomer: a request waiting for its answer is never closed, however long", async () => {
  const s = setup();
  s.heal();
  const a = s.track("a");
  a.down();
  a.up(); // a request went out: the provider is thinking
  s.at(60_000);
  assert.equal(await s.r.sweep(), 0);
  assert.deepEqual(s.closed, []);
});

Deno.test("rehomer: recent traffic, ended tunnels and idleMs 0 are left alone", async () => {
  const s = setup();
  s.heal();
  const a = s.track("a");
  a.down();
  s.at(400);
  assert.equal(await s.r.sweep(), 0, "idle 400 ms < 500 ms");
  const b = s.track("b");
  b.down();
  b.done();
  s.at(5000);
  assert.equal(await s.r.sweep(), 1);
  assert.deepEqual(s.closed, ["a"]);

  const off = setup(0);
  off.heal();
  const c = off.track("c");
  c.down();
  off.at(60_000);
  assert.equal(await off.r.sweep(), 0);
  assert.equal(off.r.size(), 0);
});
