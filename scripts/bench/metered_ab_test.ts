import assert from "node:assert/strict";
import { parseAbArgs, renderAbTable } from "./metered_ab.ts";

Deno.test("parseAbArgs: checkouts and options", () => {
  assert.deepEqual(parseAbArgs(["/tmp/old/", ".", "--rounds", "3", "--throughput"]), {
    roots: ["/tmp/old", "."],
    rounds: 3,
    streams: 4,
    requests: 1000,
    throughput: true,
  });
  assert.match(parseAbArgs([]) as string, /one or more checkouts/);
  assert.match(parseAbArgs([".", "--rounds", "0"]) as string, /positive integer, got 0/);
  assert.match(parseAbArgs([".", "--fast"]) as string, /unknown option --fast/);
});

Deno.test("renderAbTable: one row per path with medians, tails and runs", () => {
  const table = renderAbTable({
    direct: { ttfb: [0.5, 0.7, 0.6], hold: [0.3], latency: [0.05, 0.05], rps: [] },
    "/tmp/old": { ttfb: [2, 1, 3], hold: [1, 9], latency: [0.5, 0.7], rps: [3000.4, 4100.6] },
  }).split("\n");
  assert.equal(table.length, 4);
  assert.equal(table[2], "| direct | 0.600 | 0.700 | 0.300 | 0.300 | 0.050 | 0.050 | — |");
  assert.equal(
    table[3],
    "| /tmp/old | 2.000 | 3.000 | 5.000 | 9.000 | 0.600 | 0.700 | 3000 4101 |",
  );
});
