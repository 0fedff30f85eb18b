import assert from "node:assert/strict";
import { linuxSpec } from "./_fixtures.ts";
import { createMemoryFiles } from "./memory_files.ts";
import { createRecordingRunner, type Responder } from "./recording_runner.ts";
import { renderSystemdUnit } from "./render_systemd_unit.ts";
import { createServiceSpec } from "./service_spec.ts";
import { systemdBackend } from "./systemd_backend.ts";

const DIR = "/home/ada/.config/systemd/user";
const U = {
  edge: "halton-meter-edge.service",
  daemon: "halton-meter-daemon.service",
  watchdog: "halton-meter-watchdog.service",
  userenv: "halton-meter-userenv.service",
};
const ALL_START = `${U.edge} ${U.daemon} ${U.watchdog} ${U.userenv}`;

function setup(respond?: Responder, initial: Record<string, string> = {}) {
  const runner = createRecordingRunner(respond);
  const files = createMemoryFiles(initial);
  return { runner, files, backend: systemdBackend({ runner, files, unitDir: DIR }) };
}

Deno.test("systemd install: writes units, daemon-reload, enable --now in start order", async () => {
  const { runner, files, backend } = setup();
  assert.equal((await backend.install(linuxSpec)).ok, true);
  assert.deepEqual(runner.lines(), [
    "systemctl --user daemon-reload",
    `systemctl --user enable --now ${ALL_START}`,
  ]);
  assert.deepEqual(files.ops, [
    { op: "mkdir", path: DIR },
    { op: "mkdir", path: "/home/ada/.halton-meter/logs" },
    { op: "write", path: `${DIR}/${U.edge}`, mode: 0o644 },
    { op: "write", path: `${DIR}/${U.daemon}`, mode: 0o644 },
    { op: "write", path: `${DIR}/${U.watchdog}`, mode: 0o644 },
    { op: "write", path: `${DIR}/${U.userenv}`, mode: 0o644 },
  ]);
  assert.equal(files.files.get(`${DIR}/${U.edge}`), renderSystemdUnit(linuxSpec, "edge"));
});

Deno.test("systemd install again: unchanged units are not rewritten or restarted", async () => {
  const { runner, files, backend } = setup();
  await backend.install(linuxSpec);
  runner.calls.length = 0;
  files.ops.length = 0;
  assert.equal((await backend.install(linuxSpec)).ok, true);
  assert.deepEqual(runner.lines(), [
    "systemctl --user daemon-reload",
    `systemctl --user enable --now ${ALL_START}`,
  ]);
  assert.deepEqual(files.ops.filter((o) => o.op === "write"), []);
});

Deno.test("systemd install with changed units try-restarts exactly those", async () => {
  const { runner, backend } = setup();
  await backend.install(linuxSpec);
  runner.calls.length = 0;
  const moved = createServiceSpec({
    home: linuxSpec.home,
    launch: { execPath: "/opt/hm/halton-meter", mainModule: "", compiled: true },
  });
  assert.equal((await backend.install(moved)).ok, true);
  assert.deepEqual(runner.lines(), [
    "systemctl --user daemon-reload",
    `systemctl --user enable --now ${ALL_START}`,
    `systemctl --user try-restart ${ALL_START}`,
  ]);
});

Deno.test("systemd start and stop: one call each, in start and stop order", async () => {
  const { runner, backend } = setup();
  assert.equal((await backend.start(["watchdog", "daemon"])).ok, true);
  assert.equal((await backend.stop(["daemon", "watchdog"])).ok, true);
  assert.equal((await backend.stop([])).steps.length, 0);
  assert.deepEqual(runner.lines(), [
    `systemctl --user start ${U.daemon} ${U.watchdog}`,
    `systemctl --user stop ${U.watchdog} ${U.daemon}`,
  ]);
});

Deno.test("systemd uninstall: stop all, disable, remove units, daemon-reload", async () => {
  const { runner, files, backend } = setup();
  await backend.install(linuxSpec);
  runner.calls.length = 0;
  files.ops.length = 0;
  assert.equal((await backend.uninstall({ graceful: false })).ok, true);
  assert.deepEqual(runner.lines(), [
    `systemctl --user stop ${U.watchdog} ${U.daemon} ${U.userenv} ${U.edge}`,
    `systemctl --user disable ${U.watchdog} ${U.daemon} ${U.userenv} ${U.edge}`,
    "systemctl --user daemon-reload",
  ]);
  assert.deepEqual(files.ops.map((o) => `${o.op} ${o.path}`), [
    `remove ${DIR}/${U.watchdog}`,
    `remove ${DIR}/${U.daemon}`,
    `remove ${DIR}/${U.userenv}`,
    `remove ${DIR}/${U.edge}`,
  ]);
});

Deno.test("systemd uninstall --graceful: the edge is disabled but not stopped", async () => {
  const { runner, files, backend } = setup();
  await backend.install(linuxSpec);
  runner.calls.length = 0;
  assert.equal((await backend.uninstall({ graceful: true })).ok, true);
  assert.deepEqual(runner.lines(), [
    `systemctl --user stop ${U.watchdog} ${U.daemon} ${U.userenv}`,
    `systemctl --user disable ${U.watchdog} ${U.daemon} ${U.userenv} ${U.edge}`,
    "systemctl --user daemon-reload",
  ]);
  assert.equal(files.files.size, 0);
});

Deno.test("systemd uninstall with nothing installed stops by name and does not disable", async () => {
  const { runner, backend } = setup((_cmd, args) =>
    args[1] === "stop"
      ? {
        code: 5,
        stderr:
          "Failed to stop halton-meter-edge.service: Unit halton-meter-edge.service not loaded.",
      }
      : undefined
  );
  const report = await backend.uninstall({ graceful: false });
  assert.equal(report.ok, true);
  assert.equal(report.steps[0].outcome, "skipped");
  assert.deepEqual(runner.lines(), [
    `systemctl --user stop ${U.watchdog} ${U.daemon} ${U.userenv} ${U.edge}`,
    "systemctl --user daemon-reload",
  ]);
});

Deno.test("systemd failures are reported, not thrown", async () => {
  const { backend } = setup((_cmd, args) =>
    args[1] === "enable"
      ? { code: 1, stderr: "Failed to connect to bus: No medium found" }
      : undefined
  );
  const report = await backend.install(linuxSpec);
  assert.equal(report.ok, false);
  const failed = report.steps.filter((s) => s.outcome === "failed");
  assert.equal(failed.length, 1);
  assert.match(failed[0].detail, /enable --now .* exited 1: Failed to connect to bus/);
});

Deno.test("systemd status maps systemctl show", async () => {
  const show = (out: string) =>
    systemdBackend({
      runner: createRecordingRunner(() => ({ stdout: out })),
      files: createMemoryFiles(),
      unitDir: DIR,
    });
  assert.deepEqual(
    await show("LoadState=loaded\nActiveState=active\nSubState=running\nMainPID=321\n").status(
      "edge",
    ),
    { role: "edge", state: "running", pid: 321, detail: "active (running)" },
  );
  assert.deepEqual(
    await show("LoadState=loaded\nActiveState=active\nSubState=exited\nMainPID=0\n").status(
      "userenv",
    ),
    { role: "userenv", state: "running", detail: "active (exited)" },
  );
  assert.deepEqual(
    await show("LoadState=loaded\nActiveState=failed\nSubState=failed\nMainPID=0\n").status(
      "daemon",
    ),
    { role: "daemon", state: "stopped", detail: "failed (failed)" },
  );
  assert.deepEqual(
    await show("LoadState=not-found\nActiveState=inactive\nSubState=dead\nMainPID=0\n").status(
      "daemon",
    ),
    { role: "daemon", state: "not_installed" },
  );
  const { runner, backend } = setup(() => ({ code: 1, stderr: "Failed to connect to bus" }));
  assert.equal((await backend.status("watchdog")).state, "unknown");
  assert.deepEqual(runner.lines(), [
    `systemctl --user show ${U.watchdog} --property=LoadState,ActiveState,SubState,MainPID`,
  ]);
});

Deno.test("systemd reports: per-unit writes, then whole-set systemctl steps with the exact line", async () => {
  const { backend } = setup();
  assert.deepEqual((await backend.install(linuxSpec)).steps, [
    ...(["edge", "daemon", "watchdog", "userenv"] as const).map((role) => ({
      role,
      action: "write",
      outcome: "done",
      detail: `${DIR}/${U[role]}`,
    })),
    {
      role: null,
      action: "daemon-reload",
      outcome: "done",
      detail: "systemctl --user daemon-reload",
    },
    {
      role: null,
      action: "enable",
      outcome: "done",
      detail: `systemctl --user enable --now ${ALL_START}`,
    },
  ]);

  const notLoaded = "Unit halton-meter-edge.service not loaded.";
  const empty = setup((_cmd, args) =>
    args[1] === "stop" ? { code: 5, stderr: notLoaded } : undefined
  );
  assert.deepEqual(await empty.backend.uninstall({ graceful: true }), {
    ok: true,
    steps: [
      {
        role: null,
        action: "stop",
        outcome: "skipped",
        detail:
          `systemctl --user stop ${U.watchdog} ${U.daemon} ${U.userenv} exited 5: ${notLoaded}`,
      },
      ...(["watchdog", "daemon", "userenv", "edge"] as const).map((role) => ({
        role,
        action: "remove",
        outcome: "skipped",
        detail: `${DIR}/${U[role]} absent`,
      })),
      {
        role: null,
        action: "daemon-reload",
        outcome: "done",
        detail: "systemctl --user daemon-reload",
      },
    ],
  });
  // A stop that fails for another reason stays a failure.
  const bus = setup(() => ({ code: 1, stderr: "Failed to connect to bus" }));
  assert.deepEqual(await bus.backend.stop(["edge"]), {
    ok: false,
    steps: [{
      role: null,
      action: "stop",
      outcome: "failed",
      detail: `systemctl --user stop ${U.edge} exited 1: Failed to connect to bus`,
    }],
  });
});
