/**
 * `start` / `stop` / `status` end to end with the direct backend: detached edge and daemon
 * processes with pid files in a temporary HALTON_METER_HOME. Each command runs in its own
 * short-lived process (as the CLI would), so the roles it starts are not this test's children.
 */
import assert from "node:assert/strict";
import { run } from "./_support/net.ts";
import { makeTestCa } from "./_support/test_ca.ts";
import { pidAlive, readRolePid, rolePids } from "./_support/processes.ts";

const ROOT = new URL("..", import.meta.url).pathname;

// Until `status`/`start`/`stop` are registered in cli/cli.ts, this plays the CLI's part.
const DRIVER = `
import { createLifecycleDeps, runStart, runStop } from "${ROOT}cli/start_stop.ts";
import { runStatus } from "${ROOT}cli/status.ts";
const [cmd, home, flag] = Deno.args;
const deps = await createLifecycleDeps(home, {
  execPath: Deno.execPath(),
  mainModule: "${ROOT}main.ts",
  compiled: false,
});
const o = { home, deps, print: (l) => console.log(l), printError: (l) => console.error(l) };
const code = cmd === "start" ? await runStart(o) : cmd === "stop" ? await runStop(o)
  : await runStatus({ home, json: flag === "--json", deps: { ...deps, os: Deno.build.os }, print: o.print });
Deno.exit(code);
`;

interface Status {
  daemon: { state: string; pid: number | null };
  edge: { state: string; pid: number | null; port: number | null };
  watchdog: { state: string };
  api: { state: string; port: number | null };
  mitm_listener: { state: string };
  ports: { edge: number; internal: number; api: number };
  sentinels: { graceful_stop: boolean };
}

async function killAll(home: string, pids: Set<number>): Promise<void> {
  for (const pid of await rolePids(home, ["edge", "daemon", "watchdog"])) pids.add(pid);
  for (const pid of pids) {
    if (!Number.isInteger(pid) || pid <= 0) continue;
    try {
      Deno.kill(pid, "SIGKILL");
    } catch { /* gone */ }
  }
}

Deno.test("stop keeps the edge in passthrough, start brings the daemon back, status follows", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hm-lifecycle-" });
  const home = `${dir}/home`;
  await Deno.mkdir(home);
  const driver = `${dir}/driver.ts`;
  await Deno.writeTextFile(driver, DRIVER);
  const ca = await makeTestCa(`${dir}/ca`);
  const upstream = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: ca.certPem,
    key: ca.keyPem,
    onListen() {},
  }, () => new Response("from upstream\n"));
  await Deno.writeTextFile(
    `${home}/config.json`,
    JSON.stringify({
      ports: { edge: 0, internal: 0, api: 0 },
      upstream: { resolve: { "api.anthropic.com:443": `127.0.0.1:${upstream.addr.port}` } },
    }),
  );
  const cli = (...args: string[]) =>
    run(Deno.execPath(), [
      "run",
      "-A",
      "--quiet",
      "--config",
      `${ROOT}deno.json`,
      driver,
      args[0],
      home,
      ...args.slice(1),
    ], { HALTON_METER_HOME: home, NO_COLOR: "1", PATH: Deno.env.get("PATH") ?? "" });
  const status = async (): Promise<Status> => {
    const r = await cli("status", "--json");
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Status;
  };
  const pids = new Set<number>();
  try {
    // start from nothing: the edge is down, so it starts too.
    let r = await cli("start");
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /✓ edge started {2}127\.0\.0\.1:\d+/);
    assert.match(r.stdout, /✓ daemon healthy .*PID \d+/);
    assert.match(r.stdout, /✓ watchdog started .*PID \d+/);

    let s = await status();
    const effective = JSON.parse(await Deno.readTextFile(`${home}/effective-ports.json`));
    assert.deepEqual(s.ports, effective);
    assert.equal(s.daemon.state, "healthy");
    assert.equal(s.edge.state, "healthy");
    assert.equal(s.api.state, "healthy");
    assert.equal(s.edge.port, effective.edge);
    const edgePid = s.edge.pid!;
    const firstDaemon = s.daemon.pid!;
    pids.add(edgePid).add(firstDaemon);
    assert.ok(pidAlive(edgePid) && pidAlive(firstDaemon));

    // stop: sentinel first, daemon down, edge up and still tunnelling.
    r = await cli("stop");
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /✓ daemon stopped/);
    assert.match(
      r.stdout,
      new RegExp(`edge still running 127\\.0\\.0\\.1:${s.edge.port} \\(passthrough\\)`),
    );
    assert.equal(pidAlive(firstDaemon), false);
    assert.ok((await Deno.stat(`${home}/graceful-stop`)).isFile);
    s = await status();
    assert.equal(s.daemon.state, "stopped");
    assert.equal(s.edge.state, "healthy");
    assert.equal(s.edge.pid, edgePid);
    assert.equal(s.sentinels.graceful_stop, true);
    const curl = await run("curl", [
      "-sS",
      "--fail",
      "--max-time",
      "20",
      "-x",
      `http://127.0.0.1:${s.edge.port}`,
      // Passthrough: the upstream's own certificate arrives untouched.
      "--cacert",
      ca.caFile,
      "https://api.anthropic.com/v1/models",
    ]);
    assert.equal(curl.code, 0, curl.stderr);
    assert.equal(curl.stdout, "from upstream\n");

    // start again: the sentinel goes, a new daemon is healthy, the same edge stays.
    r = await cli("start");
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.doesNotMatch(r.stdout, /edge started/);
    s = await status();
    assert.equal(s.daemon.state, "healthy");
    assert.equal(s.edge.pid, edgePid);
    assert.equal(s.sentinels.graceful_stop, false);
    const secondDaemon = s.daemon.pid!;
    pids.add(secondDaemon);
    assert.notEqual(secondDaemon, firstDaemon);

    // The daemon killed outright: stopped, its listeners unbound. Stop the watchdog
    // first, or it would (rightly) bring the daemon back before status looks.
    const watchdogPid = await readRolePid(home, "watchdog");
    pids.add(watchdogPid);
    Deno.kill(watchdogPid, "SIGTERM");
    for (let i = 0; i < 100 && pidAlive(watchdogPid); i++) {
      await new Promise((res) => setTimeout(res, 20));
    }
    Deno.kill(secondDaemon, "SIGKILL");
    for (let i = 0; i < 50 && pidAlive(secondDaemon); i++) {
      await new Promise((res) => setTimeout(res, 20));
    }
    s = await status();
    assert.equal(s.daemon.state, "stopped");
    assert.equal(s.mitm_listener.state, "unbound");
    assert.equal(s.api.state, "unbound");

    // Another process takes the API port: inconsistent, not healthy.
    const squatter = Deno.listen({ hostname: "127.0.0.1", port: s.ports.api });
    const accepting = (async () => {
      for await (const c of squatter) c.close();
    })();
    try {
      s = await status();
      assert.equal(s.api.state, "inconsistent");
      assert.equal(s.daemon.state, "stopped");
    } finally {
      squatter.close();
      await accepting.catch(() => {});
    }
  } finally {
    await killAll(home, pids);
    await upstream.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
