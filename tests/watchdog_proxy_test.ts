/**
 * The watchdog and what points at the edge, on a fake clock: the system proxy in full mode
 * (off while the edge is down, on again when it returns) and the login environment when the
 * edge comes back on another port.
 */
import assert from "node:assert/strict";
import { between, fakeHome, runFake } from "./_support/watchdog_fake.ts";

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
