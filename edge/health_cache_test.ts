import assert from "node:assert/strict";
import { createHealthCache } from "./health_cache.ts";

function setup(results: boolean[]) {
  let t = 0;
  let probes = 0;
  const pending: Array<() => void> = [];
  const cache = createHealthCache({
    now: () => t,
    probe: () => {
      probes++;
      const r = results.shift() ?? false;
      return new Promise((resolve) => pending.push(() => resolve(r)));
    },
  });
  return {
    cache,
    advance: (ms: number) => (t += ms),
    probes: () => probes,
    settle: () => pending.splice(0).forEach((f) => f()),
  };
}

Deno.test("health cache: one probe in flight, shared by concurrent callers", async () => {
  const h = setup([true]);
  const a = h.cache.isHealthy();
  const b = h.cache.isHealthy();
  assert.equal(h.probes(), 1);
  h.settle();
  assert.deepEqual(await Promise.all([a, b]), [true, true]);
});

Deno.test("health cache: healthy TTL 1000 ms, unhealthy TTL 200 ms", async () => {
  const h = setup([true, false, true]);
  let p = h.cache.isHealthy();
  h.settle();
  assert.equal(await p, true);
  h.advance(999);
  assert.equal(await h.cache.isHealthy(), true);
  assert.equal(h.probes(), 1);
  h.advance(1);
  p = h.cache.isHealthy();
  h.settle();
  assert.equal(await p, false);
  assert.equal(h.probes(), 2);
  h.advance(199);
  assert.equal(await h.cache.isHealthy(), false);
  assert.equal(h.probes(), 2);
  h.advance(1);
  p = h.cache.isHealthy();
  h.settle();
  assert.equal(await p, true);
  assert.equal(h.probes(), 3);
});

Deno.test("health cache: markDown invalidates a healthy verdict at once", async () => {
  const h = setup([true, true]);
  const p = h.cache.isHealthy();
  h.settle();
  assert.equal(await p, true);
  h.cache.markDown();
  assert.equal(await h.cache.isHealthy(), false);
  assert.equal(h.probes(), 1);
  h.advance(200);
  const q = h.cache.isHealthy();
  h.settle();
  assert.equal(await q, true);
});

Deno.test("health cache: a throwing probe counts as unhealthy", async () => {
  const cache = createHealthCache({ probe: () => Promise.reject(new Error("boom")) });
  assert.equal(await cache.isHealthy(), false);
});
