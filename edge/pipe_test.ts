import assert from "node:assert/strict";
import { createBufferBudget, pipeBoth } from "./pipe.ts";

Deno.test("buffer budget never hands out more than its limit", () => {
  const b = createBufferBudget(100);
  assert.equal(b.take(60), true);
  assert.equal(b.take(50), false);
  assert.equal(b.take(40), true);
  assert.equal(b.used(), 100);
  b.give(60);
  assert.equal(b.used(), 40);
  b.give(1000);
  assert.equal(b.used(), 0);
});

Deno.test("pipeBoth moves bulk data both ways and returns all budget afterwards", async () => {
  const budget = createBufferBudget(8 * 1024 * 1024);
  const a = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const b = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const clientSide = await Deno.connect({
    hostname: "127.0.0.1",
    port: (a.addr as Deno.NetAddr).port,
  });
  const edgeClient = await a.accept();
  const upstreamSide = await Deno.connect({
    hostname: "127.0.0.1",
    port: (b.addr as Deno.NetAddr).port,
  });
  const edgeUpstream = await b.accept();
  a.close();
  b.close();
  const piping = pipeBoth(edgeClient, edgeUpstream, budget);
  const payload = new Uint8Array(20 * 1024 * 1024);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 7) & 0xff;
  const sending = (async () => {
    let off = 0;
    while (off < payload.length) off += await clientSide.write(payload.subarray(off));
    await clientSide.closeWrite();
  })();
  const received = new Uint8Array(payload.length);
  let got = 0;
  let peak = 0;
  const buf = new Uint8Array(1 << 20);
  while (true) {
    const n = await upstreamSide.read(buf);
    if (n === null) break;
    received.set(buf.subarray(0, n), got);
    got += n;
    peak = Math.max(peak, budget.used());
  }
  await sending;
  upstreamSide.close();
  const result = await piping;
  clientSide.close();
  assert.equal(got, payload.length);
  assert.deepEqual(received, payload);
  assert.equal(result.bytesUp, payload.length);
  assert.ok(peak <= 8 * 1024 * 1024);
  assert.equal(budget.used(), 0, "budget leaked");
});
