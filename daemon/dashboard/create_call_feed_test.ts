import assert from "node:assert/strict";
import type { CallRecord } from "../../core/call_record.ts";
import { emptyUsage } from "../../core/usage.ts";
import { type CallRow, openStore } from "../store/mod.ts";
import { createCallFeed, SlowConsumerError } from "./create_call_feed.ts";

function row(id: string, over: Partial<CallRow> = {}): CallRow {
  return { id, self_test: false, started_at: 1, ...over } as CallRow;
}

/** Reads SSE events until `count` `call` events arrived (or the stream ended). */
async function readCalls(stream: ReadableStream<Uint8Array>, count: number): Promise<string[]> {
  const ids: string[] = [];
  let text = "";
  const reader = stream.getReader();
  const dec = new TextDecoder();
  while (ids.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    text += dec.decode(value, { stream: true });
    let cut: number;
    while ((cut = text.indexOf("\n\n")) >= 0) {
      const event = text.slice(0, cut);
      text = text.slice(cut + 2);
      if (event.startsWith("event: call\n")) ids.push(JSON.parse(event.split("\ndata: ")[1]).id);
    }
  }
  reader.releaseLock();
  return ids;
}

Deno.test("every client gets each row once, after a hello; self-test rows are not streamed", async () => {
  const feed = createCallFeed({ heartbeatMs: 0 });
  const a = feed.subscribe()!;
  const b = feed.subscribe()!;
  const head = await a.getReader().read();
  assert.match(new TextDecoder().decode(head.value), /^retry: 2000\nevent: hello\n/);
  feed.publish([row("r1"), row("st", { self_test: true }), row("r2")]);
  feed.close();
  assert.deepEqual(await readCalls(b, 10), ["r1", "r2"]);
  assert.deepEqual(feed.stats(), { clients: 0, dropped: 0, sent: 4 });
});

Deno.test("a stalled client is dropped at its bound; the others and publish are unaffected", async () => {
  const feed = createCallFeed({ maxQueuedEvents: 8, heartbeatMs: 0 });
  const stalled = feed.subscribe()!; // never read
  const reading = feed.subscribe()!;
  const got = readCalls(reading, 100);
  for (let i = 0; i < 100; i++) {
    feed.publish([row(`r${i}`)]); // synchronous: never waits on a client
    await Promise.resolve(); // let the reading client drain
  }
  assert.equal(feed.stats().clients, 1);
  assert.equal(feed.stats().dropped, 1);
  assert.equal((await got).length, 100);
  await assert.rejects(stalled.getReader().read(), SlowConsumerError);
  feed.close();
});

Deno.test("clients past maxClients are refused; a cancelled stream leaves the feed", async () => {
  const feed = createCallFeed({ maxClients: 1, heartbeatMs: 0 });
  const a = feed.subscribe()!;
  assert.equal(feed.subscribe(), null);
  await a.cancel();
  assert.equal(feed.stats().clients, 0);
  assert.ok(feed.subscribe());
  feed.close();
  assert.equal(feed.subscribe(), null);
});

function record(id: string, startedAt: number): CallRecord {
  return {
    id,
    startedAt,
    endedAt: startedAt + 100,
    durationMs: 100,
    ttfbMs: 10,
    provider: "anthropic",
    host: "api.anthropic.com",
    method: "POST",
    path: "/v1/messages",
    endpoint: "messages",
    requestModel: "claude-haiku-4-5",
    stream: false,
    status: 200,
    usage: { ...emptyUsage(), inputTokens: 10, outputTokens: 5, completeness: "complete" },
    cost: {
      totalUsd: 0.5,
      inputUsd: 0.2,
      cacheReadUsd: null,
      cacheWriteUsd: null,
      outputUsd: 0.3,
      unpricedReason: null,
      priceVersion: "test",
    },
    project: "alpha",
    projectSource: "header",
    client: "curl",
    apiKeyFingerprint: null,
    providerRequestId: null,
    rateLimit: null,
    bytesUp: 1,
    bytesDown: 2,
    selfTest: false,
  };
}

Deno.test("store → feed: committed rows are streamed; a stalled client costs the store nothing", async () => {
  const dir = await Deno.makeTempDir();
  // The default bound holds a whole write batch (200 rows): a reader that keeps up is never cut.
  const feed = createCallFeed({ heartbeatMs: 0 });
  const store = openStore({
    path: `${dir}/db.sqlite`,
    spoolPath: `${dir}/spool.jsonl`,
    deps: { onWritten: (rows) => feed.publish(rows) },
  });
  try {
    const stalled = feed.subscribe()!;
    const reading = feed.subscribe()!;
    const got = readCalls(reading, 1000);
    for (let i = 0; i < 1000; i++) {
      store.enqueue(record(`c${String(i).padStart(4, "0")}`, 1_700_000_000_000 + i));
      if (i % 100 === 99) {
        await store.flush();
        await new Promise((r) => setTimeout(r, 0));
      }
    }
    await store.flush();
    assert.equal((await got).length, 1000);
    assert.equal(feed.stats().dropped, 1);
    await assert.rejects(stalled.getReader().read(), SlowConsumerError);
    // Every row is in the database, none lost or delayed by the stalled client.
    assert.equal(store.report({ groupBy: [] }).totals.calls, 1000);
    assert.equal(store.state().dropped, 0);
  } finally {
    feed.close();
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("store → feed: with no dashboard open, written rows are not converted for it", async () => {
  const dir = await Deno.makeTempDir();
  const feed = createCallFeed({ heartbeatMs: 0 });
  const handed: number[] = [];
  const store = openStore({
    path: `${dir}/db.sqlite`,
    spoolPath: `${dir}/spool.jsonl`,
    deps: {
      onWritten: (rows) => {
        handed.push(rows.length);
        feed.publish(rows);
      },
      wantsWritten: () => feed.hasClients(),
    },
  });
  try {
    assert.equal(feed.hasClients(), false);
    store.enqueue(record("before", 1_700_000_000_000));
    await store.flush();
    assert.deepEqual(handed, [], "rows were converted with nobody to read them");
    const stream = feed.subscribe()!;
    assert.equal(feed.hasClients(), true);
    const got = readCalls(stream, 1);
    store.enqueue(record("after", 1_700_000_000_001));
    await store.flush();
    assert.deepEqual(await got, ["after"]);
    assert.deepEqual(handed, [1]);
    assert.equal(store.report({ groupBy: [] }).totals.calls, 2);
  } finally {
    feed.close();
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
});
