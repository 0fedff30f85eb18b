/**
 * Load patterns of `bench metered`, the same code for every path: sequential
 * keep-alive latency, concurrent throughput, SSE timing, and a long run for RSS.
 */
import { MeteredClient, type MeteredRoute } from "./metered_client.ts";
import { catFiles } from "./process_cpu.ts";

/** Sequential requests on one keep-alive connection; returns per-request ms. */
export async function measureLatency(
  route: MeteredRoute,
  warmup: number,
  count: number,
  signal: AbortSignal,
): Promise<number[]> {
  const client = await MeteredClient.open(route);
  try {
    for (let i = 0; i < warmup && !signal.aborted; i++) await client.request();
    const samples: number[] = [];
    for (let i = 0; i < count && !signal.aborted; i++) {
      const t0 = performance.now();
      await client.request();
      samples.push(performance.now() - t0);
    }
    return samples;
  } finally {
    client.close();
  }
}

/** `connections` keep-alive clients looping for `seconds`; returns requests per second. */
export async function measureThroughput(
  route: MeteredRoute,
  connections: number,
  seconds: number,
  signal: AbortSignal,
): Promise<number> {
  const clients: MeteredClient[] = [];
  try {
    // Handshakes first and one at a time, so they are not part of the timed window.
    for (let i = 0; i < connections; i++) clients.push(await MeteredClient.open(route));
    await Promise.all(clients.map((c) => c.request()));
    let done = 0;
    const t0 = performance.now();
    const until = t0 + seconds * 1000;
    await Promise.all(clients.map(async (c) => {
      while (performance.now() < until && !signal.aborted) {
        await c.request();
        done++;
      }
    }));
    return done / ((performance.now() - t0) / 1000);
  } finally {
    for (const c of clients) c.close();
  }
}

export interface SseSample {
  /** ms from writing the request to the first event's arrival. */
  ttfb: number[];
  /** ms each event spent between the upstream's send and the client's read. */
  hold: number[];
  /** The same, by event index (the upstream's own Nagle/flush pattern differs per index). */
  holdByIndex: number[][];
  /** Events per stream, to check nothing was lost or merged. */
  eventsPerStream: number[];
}

/** Samples of two SSE runs as one (event indices stay aligned). */
export function mergeSse(a: SseSample, b: SseSample): SseSample {
  const holdByIndex = a.holdByIndex.map((xs) => [...xs]);
  b.holdByIndex.forEach((xs, k) => (holdByIndex[k] ??= []).push(...xs));
  return {
    ttfb: [...a.ttfb, ...b.ttfb],
    hold: [...a.hold, ...b.hold],
    holdByIndex,
    eventsPerStream: [...a.eventsPerStream, ...b.eventsPerStream],
  };
}

/** `streams` sequential SSE requests on one connection. */
export async function measureSse(
  route: MeteredRoute,
  streams: number,
  signal: AbortSignal,
): Promise<SseSample> {
  const out: SseSample = { ttfb: [], hold: [], holdByIndex: [], eventsPerStream: [] };
  const client = await MeteredClient.open(route);
  try {
    await client.stream(); // warm-up
    for (let i = 0; i < streams && !signal.aborted; i++) {
      const t = await client.stream();
      out.eventsPerStream.push(t.events.length);
      if (t.events.length > 0) out.ttfb.push(t.events[0].arrivedAt - t.sentAt);
      t.events.forEach((e, k) => {
        out.hold.push(e.arrivedAt - e.sentAt);
        (out.holdByIndex[k] ??= []).push(e.arrivedAt - e.sentAt);
      });
    }
    return out;
  } finally {
    client.close();
  }
}

export async function readRssKb(pid: number): Promise<number> {
  const text = await catFiles([`/proc/${pid}/status`]);
  const m = text === null ? null : /^VmRSS:\s+(\d+)\s*kB/m.exec(text);
  if (!m) throw new Error(`cannot read VmRSS of pid ${pid}: is it still running?`);
  return Number(m[1]);
}

export interface RssRun {
  /** [requests done, RSS kB] pairs, the first after the warm-up. */
  samples: [number, number][];
  /** [warm-up requests done, RSS kB] pairs, so the report shows the plateau being reached. */
  warmupSamples: [number, number][];
  requests: number;
  seconds: number;
  /** Least-squares slope of RSS over requests, in KB per request. */
  kbPerRequest: number;
  stoppedBy: "count" | "time";
}

export function slope(points: readonly [number, number][]): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? NaN : num / den;
}

/**
 * Drives `count` requests (or as many as fit in `maxSeconds`) over `connections`
 * keep-alive clients, sampling the process's VmRSS every `sampleEvery` requests.
 */
export async function measureRss(
  route: MeteredRoute,
  pid: number,
  opts: { count: number; warmup: number; maxSeconds: number; connections: number },
  signal: AbortSignal,
  log: (msg: string) => void,
): Promise<RssRun> {
  const clients: MeteredClient[] = [];
  try {
    for (let i = 0; i < opts.connections; i++) clients.push(await MeteredClient.open(route));
    const runFor = async (n: number, until: number) => {
      let issued = 0;
      await Promise.all(clients.map(async (c) => {
        while (issued < n && performance.now() < until && !signal.aborted) {
          issued++;
          await c.request();
        }
      }));
      return issued;
    };
    const warmupSamples: [number, number][] = [[0, await readRssKb(pid)]];
    const warmStep = Math.max(1000, Math.floor(opts.warmup / 5));
    for (let warmed = 0; warmed < opts.warmup && !signal.aborted;) {
      warmed += await runFor(Math.min(warmStep, opts.warmup - warmed), Infinity);
      warmupSamples.push([warmed, await readRssKb(pid)]);
    }
    const t0 = performance.now();
    const until = t0 + opts.maxSeconds * 1000;
    const step = Math.max(1000, Math.floor(opts.count / 20));
    const samples: [number, number][] = [[0, await readRssKb(pid)]];
    let done = 0;
    while (done < opts.count && performance.now() < until && !signal.aborted) {
      done += await runFor(Math.min(step, opts.count - done), until);
      samples.push([done, await readRssKb(pid)]);
      if (samples.length % 5 === 0) log(`  rss: ${done} requests, ${samples.at(-1)![1]} kB`);
    }
    return {
      samples,
      warmupSamples,
      requests: done,
      seconds: (performance.now() - t0) / 1000,
      kbPerRequest: slope(samples),
      stoppedBy: done >= opts.count ? "count" : "time",
    };
  } finally {
    for (const c of clients) c.close();
  }
}
