import assert from "node:assert/strict";
import { makeRecord } from "../store/_test_record.ts";
import { tempPaths } from "../store/_test_helpers.ts";
import { openStore } from "../store/mod.ts";
import { createOtlpExporter } from "./create_otlp_exporter.ts";
import type { OtlpBody } from "./encode_otlp.ts";
import { readCursor } from "./export_cursor.ts";
import type { OtlpSettings } from "./otlp_settings.ts";
import type { SendResult } from "./send_otlp.ts";

const target = {
  url: "http://127.0.0.1:1/v1/traces",
  headers: {},
  timeoutMs: 1000,
  protocol: "http/json" as const,
};
const settings: OtlpSettings = {
  traces: target,
  metrics: null,
  caFile: null,
  batchSize: 3,
  intervalMs: 20,
  metricsIntervalMs: 0,
  resource: {},
};

async function until(what: string, fn: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

Deno.test("exporter: batches in write order, waits out a refusing collector, loses nothing", async () => {
  const t = await tempPaths();
  const store = openStore({ path: t.path, spoolPath: t.spoolPath });
  const cursorPath = `${t.dir}/export/otlp-cursor.json`;
  const sent: string[][] = [];
  let down = false;
  let attempts = 0;
  const exporter = createOtlpExporter({
    store,
    settings,
    cursorPath,
    resource: { "service.name": "t" },
    scope: { name: "t", version: "0" },
    send: (_t, body: OtlpBody): Promise<SendResult> => {
      attempts++;
      if (down) {
        return Promise.resolve({
          kind: "retry",
          message: "POST x: HTTP 503",
          retryAfterMs: null,
          tooLarge: false,
        });
      }
      const json = JSON.parse(new TextDecoder().decode(body.body));
      sent.push(
        json.resourceSpans[0].scopeSpans[0].spans.map((
          s: { attributes: { key: string; value: { stringValue?: string } }[] },
        ) => s.attributes.find((a) => a.key === "halton_meter.call.id")!.value.stringValue!),
      );
      return Promise.resolve({ kind: "ok", status: 200 });
    },
    now: () => Date.now(),
    log: () => {},
    minBackoffMs: 20,
  });
  try {
    for (const id of ["a", "b", "c", "d"]) store.enqueue(makeRecord({ id }));
    store.enqueue(makeRecord({ id: "self", selfTest: true }));
    await store.flush();
    await until("4 spans", () => sent.flat().length === 4);
    assert.deepEqual(sent, [["a", "b", "c"], ["d"]], "batches of 3, self test left out");
    await until("the cursor", () => exporter.state().rowsBehind === 0);
    const end = Date.now() + 5000;
    while ((await readCursor(cursorPath)).rowid !== 5 && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.deepEqual(await readCursor(cursorPath), { rowid: 5, id: "self" });

    down = true;
    for (const id of ["e", "f"]) store.enqueue(makeRecord({ id }));
    await store.flush();
    await until("retries", () => attempts >= 8);
    const s = exporter.state();
    assert.equal(s.state, "retrying");
    assert.equal(s.rowsBehind, 2);
    assert.equal(s.traces.lastError, "POST x: HTTP 503");
    assert.ok(s.traces.failures >= 3);
    down = false;
    await until("the rows held back", () => sent.flat().length === 6);
    assert.deepEqual(sent.at(-1), ["e", "f"]);
    await until("ok", () => exporter.state().state === "ok" && exporter.state().rowsBehind === 0);
    assert.equal(exporter.state().exportedSpans, 6);
  } finally {
    await exporter.close();
    await store.close();
    await t.cleanup();
  }
});

Deno.test("exporter: steps aside while calls are in flight, and not for longer than its cap", async () => {
  const t = await tempPaths();
  const store = openStore({ path: t.path, spoolPath: t.spoolPath });
  let busy = true;
  let sentSpans = 0;
  const start = (maxStepAsideMs: number) =>
    createOtlpExporter({
      store,
      settings,
      cursorPath: `${t.dir}/export/otlp-cursor-${maxStepAsideMs}.json`,
      resource: { "service.name": "t" },
      scope: { name: "t", version: "0" },
      send: (_t, body: OtlpBody): Promise<SendResult> => {
        const json = JSON.parse(new TextDecoder().decode(body.body));
        sentSpans += json.resourceSpans[0].scopeSpans[0].spans.length;
        return Promise.resolve({ kind: "ok", status: 200 });
      },
      now: () => Date.now(),
      log: () => {},
      busy: () => busy,
      maxStepAsideMs,
    });
  for (const id of ["a", "b", "c", "d"]) store.enqueue(makeRecord({ id }));
  await store.flush();
  // Busy, with a long cap: nothing goes out until the calls in flight are done.
  let exporter = start(60_000);
  try {
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(sentSpans, 0, "nothing exported while calls are in flight");
    busy = false;
    await until("4 spans once quiet", () => sentSpans === 4);
  } finally {
    await exporter.close();
  }
  // Busy for good, with a short cap: export goes on after the cap, whole batches at a time.
  busy = true;
  sentSpans = 0;
  const began = Date.now();
  exporter = start(150);
  try {
    await until("4 spans under sustained load", () => sentSpans === 4);
    assert.ok(Date.now() - began >= 140, "it waited for the cap first");
  } finally {
    await exporter.close();
    await store.close();
  }
});
