import assert from "node:assert/strict";
import { linuxSpec } from "./_fixtures.ts";
import { directBackend } from "./direct_backend.ts";
import { createFileDeps } from "./file_deps.ts";
import { createMemoryFiles } from "./memory_files.ts";
import { createProcessDeps, type DetachedCommand, type ProcessDeps } from "./process_deps.ts";
import { createServiceSpec } from "./service_spec.ts";

const HOME = "/home/ada/.halton-meter";
const RUN = `${HOME}/run`;

function fakeProc(opts: { stubborn?: number[] } = {}) {
  const alive = new Set<number>();
  const spawned: DetachedCommand[] = [];
  const signals: string[] = [];
  let nextPid = 100;
  let slept = 0;
  const proc: ProcessDeps = {
    spawnDetached(cmd) {
      spawned.push(cmd);
      alive.add(nextPid);
      return Promise.resolve(nextPid++);
    },
    isAlive: (pid) => alive.has(pid),
    kill(pid, signal) {
      signals.push(`${signal} ${pid}`);
      if (signal === "SIGKILL" || !opts.stubborn?.includes(pid)) alive.delete(pid);
    },
    sleep(ms) {
      slept += ms;
      return Promise.resolve();
    },
  };
  return { proc, alive, spawned, signals, slept: () => slept };
}

function setup(initial: Record<string, string> = {}, stubborn?: number[]) {
  const files = createMemoryFiles(initial);
  const p = fakeProc({ stubborn });
  return { files, ...p, backend: directBackend({ home: HOME, files, proc: p.proc }) };
}

Deno.test("direct install stores the spec and spawns the four roles; pid files for all but the userenv one-shot", async () => {
  const { files, spawned, backend } = setup();
  assert.equal((await backend.install(linuxSpec)).ok, true);
  assert.deepEqual(spawned.map((c) => c.args.at(-1)), ["edge", "daemon", "watchdog", "userenv"]);
  assert.deepEqual(spawned[0], {
    program: "/home/ada/.local/bin/halton-meter",
    args: ["--role", "edge"],
    env: { HALTON_METER_HOME: HOME },
    stdoutPath: `${HOME}/logs/edge.stdout.log`,
    stderrPath: `${HOME}/logs/edge.stderr.log`,
  });
  assert.equal(files.files.get(`${RUN}/edge.pid`), "100\n");
  assert.equal(files.files.has(`${RUN}/userenv.pid`), false, "userenv is a one-shot");
  assert.deepEqual(await backend.status("userenv"), { role: "userenv", state: "stopped" });
  assert.deepEqual(JSON.parse(String(files.files.get(`${RUN}/direct-spec.json`))), linuxSpec);
  assert.equal(backend.entryFile(linuxSpec, "edge"), null);
});

Deno.test("direct start skips live roles and replaces stale pid files", async () => {
  const { files, alive, spawned, backend } = setup();
  await backend.install(linuxSpec);
  alive.delete(101); // the daemon died
  const report = await backend.start(["edge", "daemon"]);
  assert.deepEqual(report.steps.map((s) => `${s.role}:${s.outcome}:${s.detail}`), [
    "edge:skipped:already running (pid 100)",
    "daemon:done:pid 104",
  ]);
  assert.equal(spawned.length, 5);
  assert.equal(files.files.get(`${RUN}/daemon.pid`), "104\n");
});

Deno.test("direct stop: SIGTERM watchdog then daemon, pid files removed, edge untouched", async () => {
  const { files, signals, backend } = setup();
  await backend.install(linuxSpec);
  assert.equal((await backend.stop(["daemon", "watchdog"])).ok, true);
  assert.deepEqual(signals, ["SIGTERM 102", "SIGTERM 101"]);
  assert.equal(files.files.has(`${RUN}/daemon.pid`), false);
  assert.equal(files.files.has(`${RUN}/edge.pid`), true);
  assert.deepEqual(await backend.status("daemon"), { role: "daemon", state: "stopped" });
  assert.deepEqual(await backend.status("edge"), { role: "edge", state: "running", pid: 100 });
});

Deno.test("direct stop escalates to SIGKILL after the timeout (15 s: past the roles' 10 s drain)", async () => {
  const { signals, slept, backend } = setup({}, [101]);
  await backend.install(linuxSpec);
  const report = await backend.stop(["daemon"]);
  assert.deepEqual(signals, ["SIGTERM 101", "SIGKILL 101"]);
  assert.equal(slept(), 15_000);
  assert.match(report.steps[0].detail, /SIGKILL after 15000 ms/);
});

Deno.test("direct uninstall stops everything; --graceful keeps the edge and its pid file", async () => {
  const full = setup();
  await full.backend.install(linuxSpec);
  await full.backend.uninstall({ graceful: false });
  // No signal for the userenv one-shot (pid 103): nothing tracks it, it exits by itself.
  assert.deepEqual(full.signals, ["SIGTERM 102", "SIGTERM 101", "SIGTERM 100"]);
  assert.deepEqual([...full.files.files.keys()], []);
  assert.deepEqual(await full.backend.status("edge"), { role: "edge", state: "not_installed" });

  const soft = setup();
  await soft.backend.install(linuxSpec);
  await soft.backend.uninstall({ graceful: true });
  assert.deepEqual(soft.signals, ["SIGTERM 102", "SIGTERM 101"]);
  assert.deepEqual([...soft.files.files.keys()].sort(), [
    `${RUN}/direct-left-running.json`,
    `${RUN}/edge.pid`,
  ]);
  assert.equal((await soft.backend.status("edge")).state, "running");
});

Deno.test("direct: after a graceful uninstall the kept edge is recorded; a later uninstall stops it, a re-install adopts it", async () => {
  const later = setup();
  await later.backend.install(linuxSpec);
  await later.backend.uninstall({ graceful: true });
  assert.deepEqual(
    JSON.parse(String(later.files.files.get(`${RUN}/direct-left-running.json`))),
    { roles: ["edge"], edge_pid: 100 },
  );
  const second = await later.backend.uninstall({ graceful: false });
  assert.equal(second.ok, true);
  assert.deepEqual(later.signals.at(-1), "SIGTERM 100");
  assert.deepEqual([...later.files.files.keys()], []);

  const again = setup();
  await again.backend.install(linuxSpec);
  await again.backend.uninstall({ graceful: true });
  await again.backend.install(linuxSpec);
  assert.equal(again.files.files.has(`${RUN}/direct-left-running.json`), false);
  assert.equal(again.files.files.get(`${RUN}/edge.pid`), "100\n", "the kept edge is adopted");
});

Deno.test("direct start without install fails with the next step; a corrupt spec throws", async () => {
  const { backend } = setup();
  const report = await backend.start(["daemon"]);
  assert.equal(report.ok, false);
  assert.match(report.steps[0].detail, /direct-spec.json does not exist; run halton-meter init/);
  const corrupt = setup({ [`${RUN}/direct-spec.json`]: '{"home": 1}' });
  await assert.rejects(() => corrupt.backend.start(["daemon"]), /run halton-meter init again/);
});

Deno.test("direct backend with real processes: spawn detached, report running, stop", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hm-direct-" });
  const proc = createProcessDeps();
  const backend = directBackend({ home: dir, files: createFileDeps(), proc });
  try {
    // Every role is a shell that logs its role and environment, then sleeps.
    const base = createServiceSpec({
      home: dir,
      launch: { execPath: "/bin/sh", mainModule: "", compiled: true },
    });
    const roles = Object.fromEntries(
      Object.keys(base.roles).map((role) => [role, {
        program: "/bin/sh",
        args: ["-c", `echo "${role} $HALTON_METER_HOME"; exec sleep 30`],
      }]),
    ) as typeof base.roles;
    const report = await backend.install({ ...base, roles });
    assert.equal(report.ok, true, JSON.stringify(report));
    // Wait until the edge has written its line, so stopping it cannot race its start.
    const log = `${dir}/logs/edge.stdout.log`;
    for (let i = 0; i < 100 && !(await Deno.readTextFile(log)).includes("\n"); i++) {
      await proc.sleep(50);
    }
    const edge = await backend.status("edge");
    assert.equal(edge.state, "running");
    assert.ok(edge.pid !== undefined && proc.isAlive(edge.pid));
    const stopped = await backend.uninstall({ graceful: false });
    assert.equal(stopped.ok, true, JSON.stringify(stopped));
    assert.equal(proc.isAlive(edge.pid), false);
    assert.equal(await Deno.readTextFile(log), `edge ${dir}\n`);
  } finally {
    await backend.stop(["edge", "daemon", "watchdog", "userenv"]);
    await Deno.remove(dir, { recursive: true });
  }
});
