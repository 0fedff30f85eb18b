import assert from "node:assert/strict";
import { macSpec } from "./_fixtures.ts";
import { launchdBackend } from "./launchd_backend.ts";
import { createMemoryFiles } from "./memory_files.ts";
import { createRecordingRunner } from "./recording_runner.ts";
import { renderLaunchdPlist } from "./render_launchd_plist.ts";
import { createServiceSpec } from "./service_spec.ts";

const AGENTS = "/Users/ada/Library/LaunchAgents";
const D = "gui/501";
const L = {
  edge: "com.haltonlabs.meter.edge",
  daemon: "com.haltonlabs.meter",
  watchdog: "com.haltonlabs.meter.watchdog",
  userenv: "com.haltonlabs.meter.userenv",
};

/** A launchctl that keeps a loaded set, answering like macOS 13+ does. */
function fakeLaunchd(loaded = new Set<string>()) {
  const runner = createRecordingRunner((cmd, args) => {
    assert.equal(cmd, "launchctl");
    const [verb, target, path] = args;
    const label = verb === "bootstrap"
      ? path.split("/").at(-1)!.replace(/\.plist$/, "")
      : target.split("/").at(-1)!;
    const missing = { code: 113, stderr: `Could not find service "${label}" in domain for port` };
    switch (verb) {
      case "print":
        return loaded.has(label)
          ? { stdout: `${target} = {\n\tstate = running\n\tpid = 4242\n}\n` }
          : missing;
      case "bootstrap":
        loaded.add(label);
        return undefined;
      case "bootout":
        return loaded.delete(label) ? undefined : missing;
      case "kickstart":
        return loaded.has(label) ? undefined : missing;
      default:
        return undefined;
    }
  });
  return { runner, loaded };
}

function setup(initial: Record<string, string> = {}, loaded?: Set<string>) {
  const { runner } = fakeLaunchd(loaded);
  const files = createMemoryFiles(initial);
  const backend = launchdBackend({ runner, files, userHome: "/Users/ada", uid: 501 });
  return { runner, files, backend };
}

const plist = (label: string) => `${AGENTS}/${label}.plist`;

Deno.test("launchd install: writes four plists, then enable + bootstrap each, edge first", async () => {
  const { runner, files, backend } = setup();
  const report = await backend.install(macSpec);
  assert.equal(report.ok, true);
  assert.deepEqual(runner.lines(), [
    `launchctl print ${D}/${L.edge}`,
    `launchctl enable ${D}/${L.edge}`,
    `launchctl bootstrap ${D} ${plist(L.edge)}`,
    `launchctl print ${D}/${L.daemon}`,
    `launchctl enable ${D}/${L.daemon}`,
    `launchctl bootstrap ${D} ${plist(L.daemon)}`,
    `launchctl print ${D}/${L.watchdog}`,
    `launchctl enable ${D}/${L.watchdog}`,
    `launchctl bootstrap ${D} ${plist(L.watchdog)}`,
    `launchctl print ${D}/${L.userenv}`,
    `launchctl enable ${D}/${L.userenv}`,
    `launchctl bootstrap ${D} ${plist(L.userenv)}`,
  ]);
  assert.deepEqual(files.ops, [
    { op: "mkdir", path: AGENTS },
    { op: "mkdir", path: "/Users/ada/.halton-meter/logs" },
    { op: "write", path: plist(L.edge), mode: 0o644 },
    { op: "write", path: plist(L.daemon), mode: 0o644 },
    { op: "write", path: plist(L.watchdog), mode: 0o644 },
    { op: "write", path: plist(L.userenv), mode: 0o644 },
  ]);
  assert.equal(files.files.get(plist(L.daemon)), renderLaunchdPlist(macSpec, "daemon"));
  assert.deepEqual(backend.entryFile(macSpec, "edge"), {
    path: plist(L.edge),
    content: renderLaunchdPlist(macSpec, "edge"),
  });
});

Deno.test("launchd install again: unchanged and loaded jobs are left alone (the edge stays up)", async () => {
  const { runner, files, backend } = setup();
  await backend.install(macSpec);
  runner.calls.length = 0;
  files.ops.length = 0;
  const report = await backend.install(macSpec);
  assert.equal(report.ok, true);
  assert.deepEqual(runner.lines(), [
    `launchctl print ${D}/${L.edge}`,
    `launchctl print ${D}/${L.daemon}`,
    `launchctl print ${D}/${L.watchdog}`,
    `launchctl print ${D}/${L.userenv}`,
  ]);
  assert.deepEqual(files.ops.filter((o) => o.op === "write"), []);
  assert.ok(report.steps.every((s) => s.outcome === "skipped"));
});

Deno.test("launchd install with a new binary: changed loaded jobs are booted out and bootstrapped", async () => {
  const { runner, backend } = setup();
  await backend.install(macSpec);
  runner.calls.length = 0;
  const moved = createServiceSpec({
    home: macSpec.home,
    launch: { execPath: "/opt/hm/halton-meter", mainModule: "", compiled: true },
  });
  assert.equal((await backend.install(moved)).ok, true);
  assert.deepEqual(runner.lines().slice(0, 4), [
    `launchctl print ${D}/${L.edge}`,
    `launchctl bootout ${D}/${L.edge}`,
    `launchctl enable ${D}/${L.edge}`,
    `launchctl bootstrap ${D} ${plist(L.edge)}`,
  ]);
  assert.equal(runner.lines().length, 16);
});

Deno.test("launchd stop boots out watchdog then daemon; start bootstraps or kickstarts", async () => {
  const { runner, backend } = setup();
  await backend.install(macSpec);
  runner.calls.length = 0;
  assert.equal((await backend.stop(["daemon", "watchdog"])).ok, true);
  assert.deepEqual(runner.lines(), [
    `launchctl bootout ${D}/${L.watchdog}`,
    `launchctl bootout ${D}/${L.daemon}`,
  ]);
  runner.calls.length = 0;
  assert.equal((await backend.start(["watchdog", "daemon", "edge"])).ok, true);
  assert.deepEqual(runner.lines(), [
    `launchctl print ${D}/${L.edge}`,
    `launchctl kickstart ${D}/${L.edge}`,
    `launchctl print ${D}/${L.daemon}`,
    `launchctl bootstrap ${D} ${plist(L.daemon)}`,
    `launchctl print ${D}/${L.watchdog}`,
    `launchctl bootstrap ${D} ${plist(L.watchdog)}`,
  ]);
});

Deno.test("launchd stop of a job that is not loaded is skipped; other errors fail", async () => {
  const { backend } = setup();
  const report = await backend.stop(["daemon"]);
  assert.deepEqual(report, {
    ok: true,
    steps: [{ role: "daemon", action: "bootout", outcome: "skipped", detail: "not loaded" }],
  });
  const broken = launchdBackend({
    runner: createRecordingRunner(() => ({
      code: 5,
      stderr: "Boot-out failed: 5: Input/output error",
    })),
    files: createMemoryFiles(),
    userHome: "/Users/ada",
    uid: 501,
  });
  const failed = await broken.stop(["daemon"]);
  assert.equal(failed.ok, false);
  assert.match(failed.steps[0].detail, /exited 5: Boot-out failed: 5: Input\/output error/);
  const start = await setup().backend.start(["daemon"]);
  assert.equal(start.ok, false);
  assert.match(start.steps[0].detail, /does not exist; run halton-meter init/);
});

Deno.test("launchd uninstall: boots out all four, edge last, and removes the plists", async () => {
  const { runner, files, backend } = setup();
  await backend.install(macSpec);
  runner.calls.length = 0;
  files.ops.length = 0;
  assert.equal((await backend.uninstall({ graceful: false })).ok, true);
  assert.deepEqual(runner.lines(), [
    `launchctl bootout ${D}/${L.watchdog}`,
    `launchctl bootout ${D}/${L.daemon}`,
    `launchctl bootout ${D}/${L.userenv}`,
    `launchctl bootout ${D}/${L.edge}`,
  ]);
  assert.deepEqual(files.ops, [
    { op: "remove", path: plist(L.watchdog) },
    { op: "remove", path: plist(L.daemon) },
    { op: "remove", path: plist(L.userenv) },
    { op: "remove", path: plist(L.edge) },
  ]);
  assert.equal(files.files.size, 0);
});

Deno.test("launchd uninstall --graceful: the edge keeps running, every plist goes", async () => {
  const loaded = new Set<string>();
  const { runner, files, backend } = setup({}, loaded);
  await backend.install(macSpec);
  runner.calls.length = 0;
  files.ops.length = 0;
  assert.equal((await backend.uninstall({ graceful: true })).ok, true);
  assert.deepEqual(runner.lines(), [
    `launchctl bootout ${D}/${L.watchdog}`,
    `launchctl bootout ${D}/${L.daemon}`,
    `launchctl bootout ${D}/${L.userenv}`,
  ]);
  assert.deepEqual([...loaded], [L.edge]);
  assert.deepEqual(files.ops.map((o) => o.path), [
    plist(L.watchdog),
    plist(L.daemon),
    plist(L.userenv),
    plist(L.edge),
  ]);
  // A later full uninstall still reaches the edge by its label.
  runner.calls.length = 0;
  await backend.uninstall({ graceful: false });
  assert.ok(runner.lines().includes(`launchctl bootout ${D}/${L.edge}`));
  assert.equal(loaded.size, 0);
});

Deno.test("launchd status reads launchctl print", async () => {
  const { backend } = setup({ [plist(L.watchdog)]: "x" }, new Set([L.edge]));
  assert.deepEqual(await backend.status("edge"), {
    role: "edge",
    state: "running",
    pid: 4242,
    detail: "running",
  });
  assert.deepEqual(await backend.status("watchdog"), {
    role: "watchdog",
    state: "stopped",
    detail: "plist present, not loaded",
  });
  assert.deepEqual(await backend.status("daemon"), { role: "daemon", state: "not_installed" });
  const idle = launchdBackend({
    runner: createRecordingRunner(() => ({ stdout: "x = {\n\tstate = not running\n}\n" })),
    files: createMemoryFiles(),
    userHome: "/Users/ada",
    uid: 501,
  });
  assert.deepEqual(await idle.status("userenv"), {
    role: "userenv",
    state: "stopped",
    detail: "not running",
  });
  const absent = launchdBackend({
    runner: createRecordingRunner(() => ({ code: 127, stderr: "launchctl: command not found" })),
    files: createMemoryFiles(),
    userHome: "/Users/ada",
    uid: 501,
  });
  assert.equal((await absent.status("edge")).state, "unknown");
});

Deno.test("launchd reports name the role, the action and the exact launchctl line", async () => {
  const { backend } = setup();
  await backend.install(macSpec);
  await backend.stop(["daemon"]);
  assert.deepEqual((await backend.start(["daemon", "edge"])).steps, [
    {
      role: "edge",
      action: "kickstart",
      outcome: "done",
      detail: `launchctl kickstart ${D}/${L.edge}`,
    },
    {
      role: "daemon",
      action: "bootstrap",
      outcome: "done",
      detail: `launchctl bootstrap ${D} ${plist(L.daemon)}`,
    },
  ]);

  const leftover = setup({ [plist(L.edge)]: "x" });
  const report = await leftover.backend.uninstall({ graceful: false });
  assert.deepEqual(report, {
    ok: true,
    steps: [
      ...(["watchdog", "daemon", "userenv", "edge"] as const).map((role) => ({
        role,
        action: "bootout",
        outcome: "skipped",
        detail: "not loaded",
      })),
      ...(["watchdog", "daemon", "userenv"] as const).map((role) => ({
        role,
        action: "remove",
        outcome: "skipped",
        detail: `${plist(L[role])} absent`,
      })),
      { role: "edge", action: "remove", outcome: "done", detail: plist(L.edge) },
    ],
  });
});
