/**
 * Test support for the watchdog's fake-clock tests: runs `runWatchdog` with scripted probes
 * and recording fakes for every side effect (restarts, the system proxy, the login
 * environment re-apply) in a temporary home.
 */
import assert from "node:assert/strict";
import type { Logger } from "../../core/mod.ts";
import { type ProbeResult, runWatchdog, type WatchdogDeps } from "../../watchdog/mod.ts";

export interface FakeRun {
  restarts: number[];
  edgeRestarts: number[];
  reapplies: number[];
  proxyCalls: string[];
  lines: string[];
}

/**
 * Runs the watchdog against a fake clock: every `sleep` advances it and yields a
 * macrotask (so restart promises settle), and the run ends once `untilMs` has elapsed.
 * Times passed to the scripts and recorded in the result are relative to the start.
 */
export async function runFake(opts: {
  home: string;
  intervalMs: number;
  untilMs: number;
  daemon: (t: number) => ProbeResult;
  edge?: (t: number) => ProbeResult;
  daemonRestartBy?: "service" | "up";
  /** The port the OS proxy points at (`pointsAt`). */
  proxyAt?: number;
  reapplyCode?: number;
  proxyOn?: boolean;
  onTick?: (t: number) => void | Promise<void>;
  deps?: Partial<WatchdogDeps>;
  /** 0 unless given: most scenarios are about a daemon that dies later. `"default"`: none passed. */
  startupGraceMs?: number | "default";
}): Promise<FakeRun> {
  const start = 1_700_000_000_000;
  let now = start;
  const controller = new AbortController();
  const run: FakeRun = {
    restarts: [],
    edgeRestarts: [],
    reapplies: [],
    proxyCalls: [],
    lines: [],
  };
  let proxyOn = opts.proxyOn ?? true;
  const log: Logger = {
    log: (level, message, fields) =>
      run.lines.push(`${level} ${message} ${JSON.stringify(fields)}`),
  };
  const code = await runWatchdog({
    home: opts.home,
    signal: controller.signal,
    intervalMs: opts.intervalMs,
    daemonRestartBy: opts.daemonRestartBy,
    ...(opts.startupGraceMs === "default" ? {} : { startupGraceMs: opts.startupGraceMs ?? 0 }),
    deps: {
      now: () => now,
      sleep: async (ms) => {
        now += ms;
        await new Promise((r) => setTimeout(r, 0));
        await opts.onTick?.(now - start);
        if (now - start >= opts.untilMs) controller.abort();
      },
      probeDaemon: () => Promise.resolve(opts.daemon(now - start)),
      probeEdge: () => Promise.resolve((opts.edge ?? (() => "healthy"))(now - start)),
      restartDaemon: () => {
        run.restarts.push(now - start);
        return Promise.resolve({ ok: true, detail: "fake" });
      },
      restartEdge: () => {
        run.edgeRestarts.push(now - start);
        return Promise.resolve({ ok: true, detail: "fake" });
      },
      reapplyLoginEnv: () => {
        run.reapplies.push(now - start);
        return Promise.resolve(opts.reapplyCode ?? 0);
      },
      systemProxy: {
        isOn: () => {
          run.proxyCalls.push("isOn");
          return Promise.resolve(proxyOn);
        },
        pointsAt: (port) => {
          run.proxyCalls.push(`pointsAt(${port})`);
          return Promise.resolve(opts.proxyAt === port);
        },
        set: (on) => {
          run.proxyCalls.push(`set(${on})`);
          proxyOn = on;
          return Promise.resolve();
        },
      },
      log,
      ...opts.deps,
    },
  });
  assert.equal(code, 0);
  return run;
}

export async function fakeHome(files: Record<string, string> = {}): Promise<string> {
  const home = await Deno.makeTempDir({ prefix: "hm-watchdog-" });
  await Deno.writeTextFile(
    `${home}/effective-ports.json`,
    JSON.stringify({ edge: 18081, internal: 18090, api: 18765 }),
  );
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(`${home}/${name}`, text);
  }
  return home;
}

export const between = (t: number, from: number, to: number) => t >= from * 1000 && t < to * 1000;
export const gaps = (times: number[]) => times.slice(1).map((t, i) => (t - times[i]) / 1000);
