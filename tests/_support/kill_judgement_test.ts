import assert from "node:assert/strict";
import { failuresAfterKill, type SentCall } from "./kill_judgement.ts";

const call = (client: number, at: number, ok: boolean, kept: boolean): SentCall => ({
  client,
  at,
  ok,
  kept,
});

Deno.test("failuresAfterKill: only a kept-alive client's first call after the kill is excused", () => {
  const calls = [
    call(1, 90, false, true), // in flight at the kill (before it): not judged here
    call(1, 110, false, true), // first after the kill, on the old connection: excused
    call(1, 130, false, false), // its next, on a new connection: a failure
    call(2, 120, false, false), // a new connection's first call: a failure
    call(3, 140, true, true),
    call(3, 150, false, true), // not its first after the kill: a failure
  ];
  const r = failuresAfterKill(calls, 100);
  assert.deepEqual(r.excused.map((c) => [c.client, c.at]), [[1, 110]]);
  assert.deepEqual(r.failed.map((c) => [c.client, c.at]), [[2, 120], [1, 130], [3, 150]]);
});
