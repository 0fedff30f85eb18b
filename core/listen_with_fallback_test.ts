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
