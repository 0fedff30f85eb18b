import assert from "node:assert/strict";
import { slope, type SseSample } from "./metered_load.ts";
import { addedHold, evaluateMeteredTargets, type MeteredResult } from "./metered_report.ts";

function sse(byIndex: number[][], ttfb: number[]): SseSample {
  return { ttfb, hold: byIndex.flat(), holdByIndex: byIndex, eventsPerStream: [byIndex.length] };
}

function result(overrides: Partial<MeteredResult> = {}): MeteredResult {
  return {
    startedAt: "2026-01-01T00:00:00.000Z",
    seconds: 1,
    command: "deno task bench metered",
    machine: { nproc: 2, kernel: "k", cpuModel: "c", loadAverage: "0", deno: "2", v8: "v" },
    mitmdumpVersion: "8",
    options: {
      latencyRequests: 3,
      rounds: 1,
      connections: 32,
      throughputSeconds: 1,
      throughputRuns: 1,
      sseStreams: 1,
    },
    latency: { direct: [1, 1, 1], halton: [1.1, 1.1, 1.1], mitmdump: [2, 2, 2] },
    throughput: { direct: [1000], halton: [800], mitmdump: [10] },
    cpu: { direct: [{}], halton: [{}], mitmdump: [{}] },
    idleRssKb: 1000,
    sse: {
      direct: sse([[0.3], [20]], [1]),
      halton: sse([[0.5], [20.4]], [1.5]),
      mitmdump: sse([[200], [400]], [400]),
    },
    rss: {
      samples: [[0, 1000], [1000, 1010]],
      warmupSamples: [[0, 900], [5000, 1000]],
      requests: 1000,
      seconds: 1,
      kbPerRequest: 0.01,
      stoppedBy: "count",
    },
    ...overrides,
  };
}

Deno.test("slope is the least-squares KB per request", () => {
  assert.equal(slope([[0, 100], [10, 101], [20, 102]]), 0.1);
  assert.ok(Number.isNaN(slope([[0, 1]])));
});

Deno.test("addedHold compares each event with direct's median for the same index", () => {
  const added = addedHold(sse([[0.5], [20.4]], []), sse([[0.3, 0.3], [20, 21]], []));
  assert.deepEqual(added.map((x) => Number(x.toFixed(3))), [0.2, -0.1]);
});

Deno.test("targets pass on good numbers and miss on bad ones", () => {
  assert.ok(evaluateMeteredTargets(result()).every((t) => t.pass));
  const bad = evaluateMeteredTargets(result({
    throughput: { direct: [1000], halton: [100], mitmdump: [10] },
    rss: {
      samples: [],
      warmupSamples: [],
      requests: 1,
      seconds: 1,
      kbPerRequest: 1,
      stoppedBy: "time",
    },
  }));
  const missed = bad.filter((t) => !t.pass).map((t) => t.name);
  assert.deepEqual(missed, [
    "throughput ≥ 20× mitmdump",
    "throughput ≥ 0.5× direct",
    "daemon RSS growth < 0.1 KB/request",
  ]);
});
