import assert from "node:assert/strict";
import { listenWithFallback } from "./listen_with_fallback.ts";

Deno.test("listenWithFallback moves to the next port when the preferred one is taken", () => {
  using first = listenWithFallback({ port: 0 }).listener;
  const taken = (first.addr as Deno.NetAddr).port;
  const got = listenWithFallback({ port: taken, tries: 20 });
  using _l = got.listener;
  assert.equal(got.fellBack, true);
  assert.ok(got.port > taken && got.port <= taken + 20, `port ${got.port} after ${taken}`);
  assert.equal((got.listener.addr as Deno.NetAddr).hostname, "127.0.0.1");
});

Deno.test("listenWithFallback reports when every candidate port is taken", () => {
  using first = listenWithFallback({ port: 0 }).listener;
  const taken = (first.addr as Deno.NetAddr).port;
  assert.throws(() => listenWithFallback({ port: taken, tries: 1 }), /all in use/);
});

Deno.test("listenWithFallback does not retry on non-AddrInUse errors", () => {
  let calls = 0;
  assert.throws(
    () =>
      listenWithFallback({
        port: 9,
        listen: () => {
          calls++;
          throw new Deno.errors.PermissionDenied("nope");
        },
      }),
    /Cannot listen on 127.0.0.1:9/,
  );
  assert.equal(calls, 1);
});

Deno.test("bindWithFallback skips ports node:net reports as EADDRINUSE, stops on other errors", async () => {
  const { bindWithFallback } = await import("./listen_with_fallback.ts");
  const tried: number[] = [];
  const got = await bindWithFallback(9000, (p) => {
    tried.push(p);
    if (p < 9002) throw Object.assign(new Error("in use"), { code: "EADDRINUSE" });
    return Promise.resolve(p);
  });
  assert.equal(got, 9002);
  assert.deepEqual(tried, [9000, 9001, 9002]);
  await assert.rejects(
    () => bindWithFallback(9000, () => Promise.reject(new Error("EACCES"))),
    /EACCES/,
  );
  await assert.rejects(
    () =>
      bindWithFallback(9000, () => Promise.reject(new Deno.errors.AddrInUse("x")), { tries: 2 }),
    /ports 9000-9001 are all in use/,
  );
});
