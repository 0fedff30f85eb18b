/** The watchdog keeping the daemon and (direct backend) the edge up, on a fake clock. */
import assert from "node:assert/strict";
import { runWatchdog, STARTUP_GRACE_MS } from "../watchdog/mod.ts";
import { between, fakeHome, gaps, runFake } from "./_support/watchdog_fake.ts";

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
