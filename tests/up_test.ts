import assert from "node:assert/strict";
import { makeTestCa } from "./_support/test_ca.ts";
import { run } from "./_support/net.ts";
import { spawnMain, startMain } from "./_support/role_process.ts";
import { homeProcesses, pidAlive, readRolePid } from "./_support/processes.ts";

Deno.test("up starts the roles, answers, and exits cleanly on SIGTERM leaving nothing behind", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hm-up-" });
  const home = `${dir}/home`;
  await Deno.mkdir(home);
  const ca = await makeTestCa(`${dir}/ca`);
  const upstream = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: ca.certPem,
    key: ca.keyPem,
    onListen() {},
  }, () => new Response("through up\n"));
  await Deno.writeTextFile(
    `${home}/config.json`,
    JSON.stringify({
      ports: { edge: 0, internal: 0, api: 0 },
      upstream: {
        resolve: { "api.openai.com:443": `127.0.0.1:${upstream.addr.port}` },
        ca_file: ca.caFile,
      },
    }),
  );
  // The last line of the banner: by then the whole banner is out.
  const up = await startMain(["up"], home, {
    ready: /edge\s+127\.0\.0\.1:(\d+)[^]*NODE_EXTRA_CA_CERTS/,
    // As in apps mode: the roles inherit proxy variables and must not loop through them.
    env: { HTTPS_PROXY: "http://127.0.0.1:9", https_proxy: "http://127.0.0.1:9" },
  });
  try {
    assert.match(up.stdout(), /export HTTPS_PROXY='http:\/\/127\.0\.0\.1:\d+'/);
    const r = await run("curl", [
      "-sS",
      "--fail",
      "-x",
      `http://127.0.0.1:${up.port}`,
      // api.openai.com is metered: the daemon answers with a leaf from Halton Meter's CA.
      "--cacert",
      `${home}/ca/halton-meter-ca.pem`,
      "https://api.openai.com/v1/models",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "through up\n");
    const pids = await Promise.all(
      ["edge", "daemon", "watchdog"].map((r) => readRolePid(home, r)),
    );
    for (const pid of pids) assert.ok(pidAlive(pid));
    assert.match(up.stdout(), new RegExp(`watchdog pid ${pids[2]}\\b`));
    const code = await up.stop("SIGTERM");
    assert.equal(code, 0, up.stderr());
    assert.match(up.stdout(), /Stopped\./);
    for (const pid of pids) assert.equal(pidAlive(pid), false, `process ${pid} left behind`);
    await assert.rejects(() => Deno.connect({ hostname: "127.0.0.1", port: up.port }));
  } finally {
    await up.stop("SIGKILL");
    await upstream.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("up reports an invalid config and exits non-zero", async () => {
  const home = await Deno.makeTempDir({ prefix: "hm-up-" });
  try {
    await Deno.writeTextFile(`${home}/config.json`, JSON.stringify({ porst: {} }));
    const out = await spawnMain(["up"], home).output();
    assert.equal(out.code, 78);
    assert.match(new TextDecoder().decode(out.stderr), /config\.json: unknown key "porst"/);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("roles started by up stop by themselves when up is killed outright", async () => {
  const home = await Deno.makeTempDir({ prefix: "hm-up-" });
  try {
    await Deno.writeTextFile(
      `${home}/config.json`,
      JSON.stringify({ ports: { edge: 0, internal: 0, api: 0 } }),
    );
    const up = await startMain(["up"], home, { ready: /NODE_EXTRA_CA_CERTS/ });
    const pids = await Promise.all(
      ["edge", "daemon", "watchdog"].map((r) => readRolePid(home, r)),
    );
    for (const pid of pids) assert.ok(pidAlive(pid));
    await up.stop("SIGKILL");
    let gone = false;
    for (let i = 0; i < 100 && !gone; i++) {
      gone = pids.every((pid) => !pidAlive(pid));
      if (!gone) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(gone, "a role outlived a SIGKILLed up");
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

async function until<T>(what: string, ms: number, f: () => T | null): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = f();
    if (got !== null) return got;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (const signal of ["SIGTERM", "SIGKILL"] as const) {
  Deno.test(`a daemon killed under up is restarted by up alone, and nothing outlives up (${signal})`, async () => {
    const home = await Deno.makeTempDir({ prefix: "hm-up-wd-" });
    try {
      await Deno.writeTextFile(
        `${home}/config.json`,
        JSON.stringify({ ports: { edge: 0, internal: 0, api: 0 } }),
      );
      const up = await startMain(["up"], home, {
        ready: /NODE_EXTRA_CA_CERTS/,
        // The watchdog checks every 100 ms: it surely sees the daemon down before up's
        // restart (500 ms later), so a watchdog that restarted daemons itself would.
        env: { HALTON_METER_WATCHDOG_INTERVAL_MS: "100" },
      });
      try {
        const first = homeProcesses(home, "daemon");
        assert.equal(first.length, 1, `one daemon: ${first}`);
        // Until the watchdog has seen the daemon healthy once it treats silence as start-up
        // (its grace), so the kill must come after that for it to notice a death.
        await until("the watchdog to see the daemon healthy", 10_000, () => {
          try {
            return Deno.readTextFileSync(`${home}/logs/watchdog.log`).includes("daemon healthy")
              ? true
              : null;
          } catch {
            return null;
          }
        });
        Deno.kill(first[0], "SIGKILL");
        const second = await until("up to restart the daemon", 20_000, () => {
          const now = homeProcesses(home, "daemon");
          return now.length === 1 && now[0] !== first[0] ? now[0] : null;
        });
        const log = await until("the watchdog to notice", 10_000, () => {
          try {
            const text = Deno.readTextFileSync(`${home}/logs/watchdog.log`);
            return text.includes("halton-meter up restarts it") ? text : null;
          } catch {
            return null;
          }
        });
        await new Promise((r) => setTimeout(r, 1000)); // ten more watchdog ticks
        assert.deepEqual(homeProcesses(home, "daemon"), [second], "exactly up's daemon");
        assert.doesNotMatch(log, /restarting it/);
        await assert.rejects(() => Deno.stat(`${home}/run/direct-spec.json`));
        assert.match(up.stderr(), /daemon exited .*restarting/);
      } finally {
        await up.stop(signal);
      }
      await until(
        "every role of this up to end",
        10_000,
        () =>
          ["edge", "daemon", "watchdog"].every((r) => homeProcesses(home, r).length === 0)
            ? true
            : null,
      );
    } finally {
      await Deno.remove(home, { recursive: true });
    }
  });
}

Deno.test("stop then start while up runs: up's own daemon stops and comes back, never a second one", async () => {
  const home = await Deno.makeTempDir({ prefix: "hm-up-stop-" });
  try {
    await Deno.writeTextFile(
      `${home}/config.json`,
      JSON.stringify({ ports: { edge: 0, internal: 0, api: 0 } }),
    );
    const up = await startMain(["up"], home, { ready: /NODE_EXTRA_CA_CERTS/ });
    const cli = async (...args: string[]) => {
      const out = await spawnMain(args, home, { HALTON_METER_SYSTEM_PROXY: "none" }).output();
      const d = new TextDecoder();
      return { code: out.code, stdout: d.decode(out.stdout), stderr: d.decode(out.stderr) };
    };
    try {
      const [first] = homeProcesses(home, "daemon");
      const edge = await readRolePid(home, "edge");
      let r = await cli("stop");
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /edge still running 127\.0\.0\.1:\d+ \(passthrough\)/);
      await until("the daemon to stop", 10_000, () => pidAlive(first) ? null : true);
      // up must not bring it back while stopped: 3 s covers its restart delays.
      const seen = new Set<number>();
      const end = Date.now() + 3000;
      while (Date.now() < end) {
        for (const pid of homeProcesses(home, "daemon")) seen.add(pid);
        await new Promise((res) => setTimeout(res, 50));
      }
      assert.deepEqual([...seen], [], "a daemon ran while stopped");
      assert.match(up.stderr(), /stays down until halton-meter start/);

      r = await cli("start");
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /halton-meter up \(PID \d+\)/);
      assert.match(r.stdout, /✓ daemon healthy/);
      await new Promise((res) => setTimeout(res, 1500)); // any second daemon would bind by now
      const daemons = homeProcesses(home, "daemon");
      assert.equal(daemons.length, 1, `one daemon, not ${daemons.join(", ")}`);
      assert.equal(daemons[0], await readRolePid(home, "daemon"));
      assert.deepEqual(homeProcesses(home, "edge"), [edge], "the same edge throughout");
      const s = JSON.parse((await cli("status", "--json")).stdout);
      assert.equal(s.daemon.state, "healthy");
      assert.equal(s.daemon.pid, daemons[0]);
      await assert.rejects(() => Deno.stat(`${home}/run/direct-spec.json`), "start wrote no spec");
    } finally {
      await up.stop("SIGTERM");
    }
    await until(
      "every role of this up to end",
      10_000,
      () => homeProcesses(home).length === 0 ? true : null,
    );
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
