import assert from "node:assert/strict";
import { EDGE_DEFAULTS } from "./edge_options.ts";
import { type EdgeBenchResult, evaluateTargets, renderEdgeReport } from "./render_edge_report.ts";

function result(edgeRate: number, edgeLatencyMs: number, haproxy = true): EdgeBenchResult {
  const run = (rate: number) => ({
    rate,
    seconds: 1,
    cpu: { proxy: 0.5, source: 0.2, client: 0.3 },
  });
  return {
    date: "2026-01-01T00:00:00.000Z",
    machine: {
      nproc: 2,
      kernel: "linux 6",
      cpuModel: "Test CPU",
      loadAverage: "0",
      deno: "2",
      v8: "1",
    },
    haproxy: haproxy
      ? { kind: "found", version: "2.6", threads: 1 }
      : { kind: "missing", hint: "x" },
    command: "deno task bench edge",
    options: EDGE_DEFAULTS,
    throughput: {
      direct: [run(1000e6), run(1100e6), run(900e6)],
      edge: [run(edgeRate)],
      haproxy: haproxy ? [run(800e6)] : [],
    },
    latency: { direct: [0.1, 0.2, 0.3], edge: [edgeLatencyMs], haproxy: haproxy ? [0.25] : [] },
    durationS: 10,
  };
}

Deno.test("evaluateTargets: ratios against medians, PASS and MISS", () => {
  const pass = evaluateTargets(result(800e6, 0.5)).map((t) => t.verdict);
  assert.deepEqual(pass, ["PASS", "PASS", "PASS"]);
  const miss = evaluateTargets(result(500e6, 1.5)).map((t) => t.verdict);
  assert.deepEqual(miss, ["MISS", "MISS", "MISS"]);
  const noHp = evaluateTargets(result(800e6, 0.5, false));
  assert.equal(noHp[1].verdict, "n/a");
});

Deno.test("renderEdgeReport includes machine, command and the numbers", () => {
  const md = renderEdgeReport(result(700e6, 0.7));
  assert.match(md, /Test CPU, nproc 2/);
  assert.match(md, /`deno task bench edge`/);
  assert.match(
    md,
    /\| edge throughput ≥ 0\.7× direct \| 0\.70× \(700 \/ 1000 MB\/s\) \| \*\*PASS\*\* \|/,
  );
  assert.match(md, /\| edge \(CONNECT tunnel\) \| 0\.700 \| 0\.700 \| 0\.700 \| \+0\.500 ms \|/);
});
