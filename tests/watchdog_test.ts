import assert from "node:assert/strict";
import { type Logger, readEffectivePorts } from "../core/mod.ts";
import { probeDaemonHealth } from "../edge/mod.ts";
import {
  type ProbeResult,
  runWatchdog,
  STARTUP_GRACE_MS,
  type WatchdogDeps,
} from "../watchdog/mod.ts";
import { MAIN } from "./_support/role_process.ts";
import {
  createFileDeps,
  createProcessDeps,
  createServiceSpec,
  directBackend,
} from "../setup/mod.ts";

interface FakeRun {
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
async function runFake(opts: {
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

async function fakeHome(files: Record<string, string> = {}): Promise<string> {
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

const between = (t: number, from: number, to: number) => t >= from * 1000 && t < to * 1000;
const gaps = (times: number[]) => times.slice(1).map((t, i) => (t - times[i]) / 1000);

Deno.test("watchdog restarts a dead daemon with doubling backoff, capped, reset after 60 s of health", async () => {
  const home = await fakeHome();
  try {
    const healthy = (t: number) => between(t, 130, 160) || between(t, 190, 260);
    const run = await runFake({
      home,
      intervalMs: 500,
      untilMs: 270_000,
      daemon: (t) => (healthy(t) ? "healthy" : "refused"),
    });
    assert.deepEqual(run.restarts.map((t) => t / 1000), [
      0,
      1,
      3,
      7,
      15,
      31,
      63,
      123, // down: 1, 2, 4 ... s apart, capped at 60
      183, // 30 s of health is not enough to reset the backoff
      260,
      261,
      263,
      267, // 70 s of health reset it
    ]);
    assert.deepEqual(gaps(run.restarts), [1, 2, 4, 8, 16, 32, 60, 60, 77, 1, 2, 4]);
    assert.ok(run.lines.some((l) => l.includes("restart backoff reset")), run.lines.join("\n"));
    assert.deepEqual(run.proxyCalls, [], "no install-mode file: the system proxy is not ours");
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("watchdog at startup waits for a binding daemon: no 'down' log, no restart, no port 0", async () => {
  // No effective-ports.json yet: the daemon has not bound. It answers from t = 6 s.
  const home = await Deno.makeTempDir({ prefix: "hm-watchdog-" });
  try {
    let bound = false;
    const run = await runFake({
      home,
      intervalMs: 500,
      untilMs: 12_000,
      startupGraceMs: "default",
      daemon: () => (bound ? "healthy" : "refused"),
      onTick: async (t) => {
        if (t === 6000) {
          await Deno.writeTextFile(
            `${home}/effective-ports.json`,
            JSON.stringify({ edge: 18081, internal: 18090, api: 18765 }),
          );
          bound = true;
        }
      },
    });
    const text = run.lines.join("\n");
    assert.deepEqual(run.restarts, [], text);
    assert.doesNotMatch(text, /daemon is down/);
    assert.doesNotMatch(text, /"port":0/);
    assert.equal(run.lines.filter((l) => l.includes("waiting for the daemon to start")).length, 1);
    assert.match(text, /daemon healthy/);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("watchdog startup grace ends: a daemon that never answers is restarted after it, and a later death at once", async () => {
  const home = await fakeHome();
  try {
    const never = await runFake({
      home,
      intervalMs: 1000,
      untilMs: STARTUP_GRACE_MS + 2500,
      startupGraceMs: "default",
      daemon: () => "refused",
    });
    // Then the usual backoff: 1 s, 2 s, ...
    assert.deepEqual(never.restarts, [STARTUP_GRACE_MS, STARTUP_GRACE_MS + 1000]);
    assert.equal(never.lines.filter((l) => l.startsWith("warn daemon is down {")).length, 1);
    // Seen healthy once, the grace is over: a death at 3 s is acted on at 3 s, not 15 s.
    const dies = await runFake({
      home,
      intervalMs: 1000,
      untilMs: 3500,
      startupGraceMs: "default",
      daemon: (t) => (t < 3000 ? "healthy" : "refused"),
    });
    assert.deepEqual(dies.restarts, [3000]);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("watchdog leaves the daemon down while graceful-stop exists, and restarts it once it is removed", async () => {
  const home = await fakeHome({ "graceful-stop": "" });
  try {
    const run = await runFake({
      home,
      intervalMs: 2000,
      untilMs: 120_000,
      daemon: () => "refused",
      onTick: async (t) => {
        if (t === 100_000) await Deno.remove(`${home}/graceful-stop`); // what `start` does
      },
    });
    // Nothing while the sentinel exists; then the usual backoff, rounded up to whole ticks.
    assert.deepEqual(run.restarts.map((t) => t / 1000), [100, 102, 104, 108, 116]);
    const leftDown = run.lines.filter((l) => l.includes("leaving it down"));
    assert.equal(leftDown.length, 1, "logged once per transition, not every tick");
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("watchdog with the direct backend restarts a dead edge with backoff; stop's sentinel does not hold it", async () => {
  // `stop` leaves the edge up by design: graceful-stop keeps the daemon down, not the edge.
  const home = await fakeHome({ "graceful-stop": "" });
  await Deno.mkdir(`${home}/run`);
  await Deno.writeTextFile(`${home}/run/direct-spec.json`, "{}\n");
  try {
    const run = await runFake({
      home,
      intervalMs: 500,
      untilMs: 60_000,
      daemon: () => "refused",
      edge: (t) => (between(t, 10, 40) ? "refused" : "healthy"),
    });
    assert.deepEqual(run.edgeRestarts.map((t) => t / 1000), [10, 11, 13, 17, 25]);
    assert.deepEqual(run.restarts, [], "the daemon stays down: graceful-stop");
    const text = run.lines.join("\n");
    assert.equal(run.lines.filter((l) => l.startsWith("warn edge is down {")).length, 1, text);
    assert.match(text, /info edge healthy/);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("watchdog leaves a dead edge alone without a direct spec, after a graceful uninstall, under up, while init runs", async () => {
  const edgeDown = { intervalMs: 1000, untilMs: 20_000, daemon: () => "healthy" as const };
  const cases: [string, Record<string, string>, "service" | "up", RegExp | null][] = [
    ["a service manager keeps it (no direct spec)", {}, "service", null],
    [
      "uninstall --graceful left it running, unsupervised",
      { "run/direct-spec.json": "{}", "run/direct-left-running.json": "{}" },
      "service",
      null,
    ],
    [
      "up restarts it",
      { "run/direct-spec.json": "{}" },
      "up",
      /edge is down: halton-meter up restarts it/,
    ],
    [
      "init starts the roles itself",
      // init writes when it started; the fake clock starts at 1_700_000_000_000.
      { "run/direct-spec.json": "{}", "run/init-running": "2023-11-14T22:13:00.000Z\n" },
      "service",
      /edge is down and init is running .*leaving it down/,
    ],
  ];
  for (const [why, files, restartBy, said] of cases) {
    const home = await fakeHome();
    await Deno.mkdir(`${home}/run`);
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(`${home}/${name}`, text);
    }
    try {
      const run = await runFake({
        home,
        ...edgeDown,
        edge: () => "refused",
        daemonRestartBy: restartBy,
      });
      assert.deepEqual(run.edgeRestarts, [], why);
      if (said !== null) assert.match(run.lines.join("\n"), said, why);
    } finally {
      await Deno.remove(home, { recursive: true });
    }
  }
});

function loginRecord(port: number): string {
  const proxy = `http://127.0.0.1:${port}`;
  return JSON.stringify({
    mode: "full",
    env: { HTTPS_PROXY: proxy, https_proxy: proxy, NO_PROXY: "localhost" },
    shell_rc: true,
    target: { userHome: "/nonexistent" },
    recorded_at: "2026-01-01T00:00:00.000Z",
  });
}

Deno.test("watchdog sees the edge back on another port: login environment re-applied, a full-mode proxy on the old port re-pointed", async () => {
  // effective-ports.json says 18081; init recorded 18080 (the edge fell back since).
  const home = await fakeHome({
    "install-mode": "full\n",
    "proxy-managed": "",
    "login-env.json": loginRecord(18080),
  });
  try {
    let reapplied = 0;
    const run = await runFake({
      home,
      intervalMs: 2000,
      untilMs: 20_000,
      proxyAt: 18080,
      daemon: () => "healthy",
      deps: {
        reapplyLoginEnv: async () => {
          reapplied++;
          // What the userenv role does: the record follows the edge.
          await Deno.writeTextFile(`${home}/login-env.json`, loginRecord(18081));
          return 0;
        },
      },
    });
    assert.equal(reapplied, 1);
    assert.deepEqual(run.proxyCalls.filter((c) => !c.startsWith("isOn")), [
      "pointsAt(18080)",
      "set(true)",
    ]);
    const text = run.lines.join("\n");
    assert.match(text, /warn the edge moved: re-pointing the login environment at it/);
    assert.match(text, /info login environment re-applied/);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("watchdog retries a login environment that did not follow the edge a minute later; apps mode leaves the OS proxy alone", async () => {
  const home = await fakeHome({ "install-mode": "apps\n", "login-env.json": loginRecord(18080) });
  try {
    const run = await runFake({
      home,
      intervalMs: 2000,
      untilMs: 70_000,
      reapplyCode: 1,
      proxyAt: 18080,
      daemon: () => "healthy",
    });
    assert.deepEqual(run.reapplies.map((t) => t / 1000), [0, 60]);
    assert.deepEqual(run.proxyCalls, []);
    assert.match(run.lines.join("\n"), /login environment not re-applied \(exit 1\)/);
    // env-only: no login environment to follow.
    await Deno.writeTextFile(`${home}/install-mode`, "env-only\n");
    const envOnly = await runFake({
      home,
      intervalMs: 2000,
      untilMs: 10_000,
      daemon: () => "healthy",
    });
    assert.deepEqual(envOnly.reapplies, []);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("watchdog never has two restarts in flight and survives throwing probes", async () => {
  const home = await fakeHome();
  try {
    let release!: () => void;
    const pending = new Promise<void>((r) => (release = r));
    let calls = 0;
    let probes = 0;
    const run = await runFake({
      home,
      intervalMs: 500,
      untilMs: 30_000,
      daemon: () => {
        probes++;
        if (probes % 3 === 0) throw new Error("probe exploded");
        return "refused";
      },
      onTick: (t) => {
        if (t === 30_000) release();
      },
      deps: {
        restartDaemon: async () => {
          calls++;
          await pending;
          return { ok: false, detail: "slow service manager" };
        },
      },
    });
    assert.equal(calls, 1);
    assert.ok(run.lines.some((l) => l.includes("probe exploded")), "the error is logged");
    assert.ok(probes >= 55, `the loop kept probing after errors (${probes} probes)`);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("watchdog in full mode turns the system proxy off while the edge is down, on when it returns", async () => {
  const home = await fakeHome({ "install-mode": "full\n", "proxy-managed": "" });
  try {
    const run = await runFake({
      home,
      intervalMs: 2000,
      untilMs: 60_000,
      daemon: () => "healthy",
      edge: (t) => (between(t, 10, 30) ? "refused" : "healthy"),
    });
    assert.deepEqual(run.proxyCalls.filter((c) => c.startsWith("set")), [
      "set(false)",
      "set(true)",
    ]);
    assert.equal(run.lines.filter((l) => l.includes("system proxy turned off")).length, 1);
    assert.equal(run.lines.filter((l) => l.includes("system proxy turned on")).length, 1);
    assert.deepEqual(run.restarts, []);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("a restarted watchdog turns back on the proxy an earlier one turned off; init taking over forgets it", async () => {
  const marker = (home: string) => `${home}/run/system-proxy-off-by-watchdog`;
  const exists = (path: string) => Deno.stat(path).then(() => true, () => false);
  const home = await fakeHome({ "install-mode": "full\n", "proxy-managed": "" });
  try {
    // The earlier watchdog turned the proxy off while the edge was down; the edge is back.
    await Deno.mkdir(`${home}/run`);
    await Deno.writeTextFile(marker(home), "2026-01-01T00:00:00.000Z\n");
    const run = await runFake({
      home,
      intervalMs: 2000,
      untilMs: 6000,
      daemon: () => "healthy",
      proxyOn: false,
    });
    assert.deepEqual(run.proxyCalls, ["set(true)"]);
    assert.equal(await exists(marker(home)), false);

    // Off by a watchdog, then init switched to apps mode: nothing of ours to turn back on.
    await Deno.writeTextFile(marker(home), "2026-01-01T00:00:00.000Z\n");
    await Deno.writeTextFile(`${home}/install-mode`, "apps\n");
    const after = await runFake({
      home,
      intervalMs: 2000,
      untilMs: 6000,
      daemon: () => "healthy",
      proxyOn: false,
    });
    assert.deepEqual(after.proxyCalls, []);
    assert.equal(await exists(marker(home)), false);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("watchdog in full mode leaves a proxy the user turned off alone; other modes never touch it", async () => {
  for (const [mode, proxyOn] of [["full", false], ["env-only", true], ["apps", true]] as const) {
    const home = await fakeHome({ "install-mode": `${mode}\n`, "proxy-managed": "" });
    try {
      const run = await runFake({
        home,
        intervalMs: 2000,
        untilMs: 40_000,
        proxyOn,
        daemon: () => "healthy",
        edge: (t) => (between(t, 10, 30) ? "refused" : "healthy"),
      });
      const sets = run.proxyCalls.filter((c) => c.startsWith("set"));
      assert.deepEqual(sets, [], `${mode}: ${run.proxyCalls.join(",")}`);
      if (mode !== "full") assert.deepEqual(run.proxyCalls, [], mode);
    } finally {
      await Deno.remove(home, { recursive: true });
    }
  }
});

Deno.test("watchdog leaves the system proxy alone in full mode without the proxy-managed sentinel", async () => {
  const home = await fakeHome({ "install-mode": "full\n" });
  try {
    const run = await runFake({
      home,
      intervalMs: 2000,
      untilMs: 40_000,
      daemon: () => "healthy",
      edge: (t) => (between(t, 10, 30) ? "refused" : "healthy"),
    });
    assert.deepEqual(run.proxyCalls, [], "init did not set the system proxy: not ours to flip");
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("watchdog retries a system proxy change the backend refused, on the next tick", async () => {
  const home = await fakeHome({ "install-mode": "full\n", "proxy-managed": "" });
  try {
    let refusals = 2;
    const sets: string[] = [];
    const run = await runFake({
      home,
      intervalMs: 2000,
      untilMs: 30_000,
      daemon: () => "healthy",
      edge: (t) => (between(t, 4, 20) ? "refused" : "healthy"),
      deps: {
        systemProxy: {
          isOn: () => Promise.resolve(sets.at(-1) !== "off"),
          pointsAt: () => Promise.resolve(false),
          set: (on) => {
            if (!on && refusals-- > 0) return Promise.reject(new Error("networksetup exit 14"));
            sets.push(on ? "on" : "off");
            return Promise.resolve();
          },
        },
      },
    });
    assert.deepEqual(sets, ["off", "on"]);
    assert.equal(run.lines.filter((l) => l.includes("networksetup exit 14")).length, 2);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("a watchdog started after another turned the proxy off turns it back on; leaving full mode forgets it", async () => {
  const home = await fakeHome({ "install-mode": "full\n", "proxy-managed": "" });
  await Deno.mkdir(`${home}/run`);
  try {
    const first = await runFake({
      home,
      intervalMs: 2000,
      untilMs: 10_000,
      daemon: () => "healthy",
      edge: () => "refused", // stopped while the edge is still down
    });
    assert.deepEqual(first.proxyCalls, ["isOn", "set(false)"]);
    const second = await runFake({
      home,
      intervalMs: 2000,
      untilMs: 10_000,
      proxyOn: false,
      daemon: () => "healthy",
      edge: () => "healthy",
    });
    assert.deepEqual(second.proxyCalls, ["set(true)"]);
    assert.ok(second.lines.some((l) => l.includes("system proxy turned on again")));

    // Off again, then init switches to apps mode: the marker is dropped, nothing flips later.
    await runFake({
      home,
      intervalMs: 2000,
      untilMs: 4000,
      daemon: () => "healthy",
      edge: () => "refused",
    });
    await Deno.writeTextFile(`${home}/install-mode`, "apps\n");
    await runFake({ home, intervalMs: 2000, untilMs: 4000, daemon: () => "healthy" });
    await Deno.writeTextFile(`${home}/install-mode`, "full\n");
    const third = await runFake({ home, intervalMs: 2000, untilMs: 4000, daemon: () => "healthy" });
    assert.deepEqual(third.proxyCalls, []);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("watchdog under up never restarts the daemon itself, and says so once", async () => {
  const home = await fakeHome();
  try {
    const controller = new AbortController();
    const lines: string[] = [];
    let restarts = 0;
    let ticks = 0;
    await runWatchdog({
      home,
      signal: controller.signal,
      intervalMs: 500,
      daemonRestartBy: "up",
      deps: {
        now: () => 1_700_000_000_000 + ticks * 500,
        sleep: async () => {
          await new Promise((r) => setTimeout(r, 0));
          if (++ticks >= 40) controller.abort();
        },
        probeDaemon: () => Promise.resolve("refused"),
        probeEdge: () => Promise.resolve("healthy"),
        restartDaemon: () => {
          restarts++;
          return Promise.resolve({ ok: true, detail: "fake" });
        },
        log: { log: (level, message) => lines.push(`${level} ${message}`) },
      },
    });
    assert.equal(restarts, 0);
    assert.equal(lines.filter((l) => l.includes("halton-meter up restarts it")).length, 1);
    assert.ok(lines.some((l) => l.includes("watchdog started")));
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

// ---- real processes -------------------------------------------------------------------

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, ms: number, f: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const got = await f();
    if (got !== null) return got;
    await sleep(100);
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

function readPid(home: string, role = "daemon"): number | null {
  try {
    const pid = Number(Deno.readTextFileSync(`${home}/run/${role}.pid`).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** The pid of a daemon that answers /health on the port in effective-ports.json. */
async function healthyDaemon(home: string, notPid?: number): Promise<number | null> {
  const port = readEffectivePorts(`${home}/effective-ports.json`).internal;
  const pid = readPid(home);
  if (port === undefined || pid === null || pid === notPid) return null;
  return (await probeDaemonHealth(port)) === "healthy" ? pid : null;
}

function readLog(home: string): string {
  try {
    return Deno.readTextFileSync(`${home}/logs/watchdog.log`);
  } catch {
    return "";
  }
}

const count = (text: string, needle: string) => text.split(needle).length - 1;

Deno.test("watchdog restarts a SIGKILLed daemon through the direct backend, and not after graceful-stop", async () => {
  const home = await Deno.makeTempDir({ prefix: "hm-watchdog-real-" });
  await Deno.writeTextFile(
    `${home}/config.json`,
    JSON.stringify({ ports: { edge: 0, internal: 0, api: 0 } }),
  );
  const seen = new Set<number>();
  const controller = new AbortController();
  let watchdog: Promise<number> | null = null;
  try {
    // The watchdog's first tick finds no daemon and starts one through its default
    // restarter: a direct spec written from this launch context, a detached `--role daemon`.
    watchdog = runWatchdog({
      home,
      signal: controller.signal,
      intervalMs: 250,
      // Nothing starts a daemon here but the watchdog: no reason to wait for one binding.
      startupGraceMs: 0,
      supervisor: "direct",
      launch: { execPath: Deno.execPath(), mainModule: MAIN, compiled: false },
    });
    const first = await waitFor("the first daemon", 20_000, () => healthyDaemon(home));
    seen.add(first);
    const restartsBefore = count(readLog(home), "restarting it");

    Deno.kill(first, "SIGKILL");
    const second = await waitFor("a restarted daemon", 15_000, () => healthyDaemon(home, first));
    seen.add(second);
    assert.notEqual(second, first);
    assert.ok(count(readLog(home), "restarting it") > restartsBefore, readLog(home));
    assert.ok(Deno.readTextFileSync(`${home}/run/direct-spec.json`).includes("--role"));

    // `stop`: sentinel first, then SIGTERM. The watchdog must leave it down.
    await Deno.writeTextFile(`${home}/graceful-stop`, "");
    Deno.kill(second, "SIGTERM");
    await waitFor(
      "the watchdog to see the stopped daemon",
      10_000,
      () => Promise.resolve(readLog(home).includes("leaving it down") ? true : null),
    );
    const restartsAtStop = count(readLog(home), "restarting it");
    await sleep(5000); // the window the watchdog would have restarted in (20 ticks)
    const log = readLog(home);
    assert.equal(count(log, "restarting it"), restartsAtStop, log);
    const port = readEffectivePorts(`${home}/effective-ports.json`).internal!;
    assert.notEqual(await probeDaemonHealth(port), "healthy");
  } finally {
    controller.abort();
    if (watchdog !== null) assert.equal(await watchdog, 0);
    const last = readPid(home);
    if (last !== null) seen.add(last);
    // The watchdog wrote a direct spec, so it also started (and kept) an edge.
    const edge = readPid(home, "edge");
    if (edge !== null) seen.add(edge);
    for (const pid of seen) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch { /* already gone */ }
    }
    await Deno.remove(home, { recursive: true });
  }
});

/** The pid of an edge that answers /health on the port in effective-ports.json. */
async function healthyEdge(home: string, notPid?: number): Promise<number | null> {
  const port = readEffectivePorts(`${home}/effective-ports.json`).edge;
  const pid = readPid(home, "edge");
  if (port === undefined || pid === null || pid === notPid) return null;
  return (await probeDaemonHealth(port)) === "healthy" ? pid : null;
}

Deno.test("watchdog revives a SIGKILLed edge of the direct backend; not once a graceful uninstall left it", async () => {
  const home = await Deno.makeTempDir({ prefix: "hm-watchdog-edge-" });
  await Deno.writeTextFile(
    `${home}/config.json`,
    JSON.stringify({ ports: { edge: 0, internal: 0, api: 0 } }),
  );
  // As after `stop`: the daemon stays down, the edge is meant to stay up.
  await Deno.writeTextFile(`${home}/graceful-stop`, "");
  const spec = createServiceSpec({
    home,
    launch: { execPath: Deno.execPath(), mainModule: MAIN, compiled: false },
  });
  const backend = directBackend({ home, files: createFileDeps(), proc: createProcessDeps() });
  const seen = new Set<number>();
  const controller = new AbortController();
  let watchdog: Promise<number> | null = null;
  try {
    await Deno.mkdir(`${home}/run`);
    await Deno.writeTextFile(`${home}/run/direct-spec.json`, JSON.stringify(spec));
    assert.ok((await backend.start(["edge"])).ok);
    const first = await waitFor("the first edge", 20_000, () => healthyEdge(home));
    seen.add(first);
    watchdog = runWatchdog({ home, signal: controller.signal, intervalMs: 250, startupGraceMs: 0 });

    Deno.kill(first, "SIGKILL");
    const second = await waitFor("a revived edge", 20_000, () => healthyEdge(home, first));
    seen.add(second);
    assert.match(readLog(home), /edge is down: restarting it/);
    assert.doesNotMatch(readLog(home), /daemon is down: restarting it/);

    // What `uninstall --graceful` leaves: no spec, the edge recorded as left running.
    await Deno.remove(`${home}/run/direct-spec.json`);
    await Deno.writeTextFile(`${home}/run/direct-left-running.json`, `{"edge_pid":${second}}`);
    const restarts = count(readLog(home), "edge is down: restarting it");
    Deno.kill(second, "SIGKILL");
    await sleep(3000); // twelve ticks
    assert.equal(count(readLog(home), "edge is down: restarting it"), restarts, readLog(home));
    assert.equal(await healthyEdge(home, second), null);
  } finally {
    controller.abort();
    if (watchdog !== null) assert.equal(await watchdog, 0);
    const last = readPid(home, "edge");
    if (last !== null) seen.add(last);
    for (const pid of seen) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch { /* already gone */ }
    }
    await Deno.remove(home, { recursive: true });
  }
});
