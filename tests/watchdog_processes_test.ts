/** The watchdog with real processes: roles started and revived through the direct backend. */
import assert from "node:assert/strict";
import { readEffectivePorts } from "../core/mod.ts";
import { probeDaemonHealth } from "../edge/mod.ts";
import { runWatchdog } from "../watchdog/mod.ts";
import { MAIN } from "./_support/role_process.ts";
import {
  createFileDeps,
  createProcessDeps,
  createServiceSpec,
  directBackend,
} from "../setup/mod.ts";

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
