/**
 * The results table `bench policy` and `bench export` print under their own heading and text:
 * added latency, p99, throughput and daemon CPU per request, off vs on.
 */
import type { AbResult } from "./measure_ab.ts";
import { median, percentile } from "./percentile.ts";

const us = (ms: number) => `${(ms * 1000).toFixed(0)} µs`;

/**
 * `name` heads the columns ("policy off", "policy on"); the added-latency target is
 * `latencyTargetUs` more than the off side, the throughput target at least 0.95× of it.
 * `runs` is the line listing every run, to print after the table.
 */
export function renderAbTable(
  r: AbResult,
  name: string,
  latencyTargetUs: number,
): { table: string[]; runs: string; allMet: boolean } {
  const p50 = (xs: number[]) => percentile(xs, 50);
  const p99 = (xs: number[]) => percentile(xs, 99);
  const directP50 = p50(r.latency.direct);
  const addedOff = p50(r.latency.off) - directP50;
  const addedOn = p50(r.latency.on) - directP50;
  const delta = addedOn - addedOff;
  const tpOff = median(r.throughput.off);
  const tpOn = median(r.throughput.on);
  const ratio = tpOn / tpOff;
  const latencyMet = delta <= latencyTargetUs / 1000;
  const throughputMet = ratio >= 0.95;
  const table = [
    `| | ${name} off | ${name} on | on − off | target | verdict |`,
    "|---|---|---|---|---|---|",
    `| added latency p50 (vs direct ${directP50.toFixed(3)} ms) | ${us(addedOff)} | ${
      us(addedOn)
    } | ${us(delta)} | ≤ +${latencyTargetUs} µs | ${latencyMet ? "met" : "miss"} |`,
    `| latency p99 | ${p99(r.latency.off).toFixed(3)} ms | ${p99(r.latency.on).toFixed(3)} ms | ${
      us(p99(r.latency.on) - p99(r.latency.off))
    } | | |`,
    `| throughput (median of ${r.throughput.off.length} runs) | ${tpOff.toFixed(0)} req/s | ${
      tpOn.toFixed(0)
    } req/s | ${ratio.toFixed(3)}× | ≥ 0.95× | ${throughputMet ? "met" : "miss"} |`,
    `| daemon CPU per request (median) | ${median(r.cpuPerRequest.off).toFixed(0)} µs | ${
      median(r.cpuPerRequest.on).toFixed(0)
    } µs | ${(median(r.cpuPerRequest.on) - median(r.cpuPerRequest.off)).toFixed(0)} µs | | |`,
  ];
  const runs = `Runs: throughput off ${r.throughput.off.map((x) => x.toFixed(0)).join(", ")}; on ${
    r.throughput.on.map((x) => x.toFixed(0)).join(", ")
  } req/s; ${r.latency.off.length} latency samples per side.`;
  return { table, runs, allMet: latencyMet && throughputMet };
}
