import assert from "node:assert/strict";
import { createWorkerOutbox } from "./worker_outbox.ts";

Deno.test("worker outbox: holds messages until open, then sends them in order, then at once", () => {
  const posted: unknown[] = [];
  const box = createWorkerOutbox({ postMessage: (m: unknown) => posted.push(m) });
  box.send(1);
  box.send(2);
  assert.deepEqual(posted, []);
  box.open();
  assert.deepEqual(posted, [1, 2]);
  box.send(3);
  assert.deepEqual(posted, [1, 2, 3]);
});

Deno.test("worker outbox: past its limit the oldest held message is dropped", () => {
  const posted: unknown[] = [];
  const box = createWorkerOutbox({ postMessage: (m: unknown) => posted.push(m) }, 2);
  for (const m of [1, 2, 3]) box.send(m);
  box.open();
  assert.deepEqual(posted, [2, 3]);
});
