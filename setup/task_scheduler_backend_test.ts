import assert from "node:assert/strict";
import { windowsSpec } from "./_fixtures.ts";
import { createMemoryFiles } from "./memory_files.ts";
import { createRecordingRunner, type Responder } from "./recording_runner.ts";
import { encodeTaskXml, renderTaskSchedulerXml } from "./render_task_scheduler_xml.ts";
import { taskSchedulerBackend } from "./task_scheduler_backend.ts";

const DIR = "C:\\Users\\Ada\\.halton-meter\\service";
const TN = (role: string) => `Halton Meter\\${role}`;

function setup(respond?: Responder) {
  const runner = createRecordingRunner(respond);
  const files = createMemoryFiles();
  return { runner, files, backend: taskSchedulerBackend({ runner, files, taskDir: DIR }) };
}

/** Exact argument vectors (task names contain a space, so lines would be ambiguous). */
const argv = (runner: ReturnType<typeof createRecordingRunner>) =>
  runner.calls.map((c) => [c.cmd, ...c.args]);

Deno.test("schtasks install: writes UTF-16 XML, /Create /F each, then /Run each", async () => {
  const { runner, files, backend } = setup();
  assert.equal((await backend.install(windowsSpec)).ok, true);
  const roles = ["edge", "daemon", "watchdog", "userenv"];
  assert.deepEqual(argv(runner), [
    ...roles.map((r) => ["schtasks", "/Create", "/XML", `${DIR}\\${r}.xml`, "/TN", TN(r), "/F"]),
    ...roles.map((r) => ["schtasks", "/Run", "/TN", TN(r)]),
  ]);
  assert.deepEqual(files.ops, [
    { op: "mkdir", path: DIR },
    { op: "mkdir", path: "C:\\Users\\Ada\\.halton-meter\\logs" },
    ...roles.map((r) => ({ op: "write", path: `${DIR}\\${r}.xml` })),
  ]);
  assert.deepEqual(
    files.files.get(`${DIR}\\edge.xml`),
    encodeTaskXml(renderTaskSchedulerXml(windowsSpec, "edge")),
  );
});

Deno.test("schtasks start /Run and stop /End in order", async () => {
  const { runner, backend } = setup();
  await backend.start(["watchdog", "daemon"]);
  await backend.stop(["daemon", "watchdog"]);
  assert.deepEqual(argv(runner), [
    ["schtasks", "/Run", "/TN", TN("daemon")],
    ["schtasks", "/Run", "/TN", TN("watchdog")],
    ["schtasks", "/End", "/TN", TN("watchdog")],
    ["schtasks", "/End", "/TN", TN("daemon")],
  ]);
});

Deno.test("schtasks uninstall: /End all four, then /Delete /F all four, XML removed", async () => {
  const { runner, files, backend } = setup();
  await backend.install(windowsSpec);
  runner.calls.length = 0;
  assert.equal((await backend.uninstall({ graceful: false })).ok, true);
  const order = ["watchdog", "daemon", "userenv", "edge"];
  assert.deepEqual(argv(runner), [
    ...order.map((r) => ["schtasks", "/End", "/TN", TN(r)]),
    ...order.map((r) => ["schtasks", "/Delete", "/TN", TN(r), "/F"]),
  ]);
  assert.equal(files.files.size, 0);
});

Deno.test("schtasks uninstall --graceful: the edge task is deleted but not ended", async () => {
  const { runner, backend } = setup();
  assert.equal((await backend.uninstall({ graceful: true })).ok, true);
  assert.deepEqual(argv(runner), [
    ["schtasks", "/End", "/TN", TN("watchdog")],
    ["schtasks", "/End", "/TN", TN("daemon")],
    ["schtasks", "/End", "/TN", TN("userenv")],
    ...["watchdog", "daemon", "userenv", "edge"].map((r) => [
      "schtasks",
      "/Delete",
      "/TN",
      TN(r),
      "/F",
    ]),
  ]);
});

Deno.test("schtasks: missing or idle tasks are skipped, other errors fail", async () => {
  const { backend } = setup((_cmd, args) =>
    args[0] === "/End"
      ? { code: 1, stderr: "ERROR: The system cannot find the file specified." }
      : args[0] === "/Delete"
      ? { code: 1, stderr: "ERROR: Access is denied." }
      : undefined
  );
  const report = await backend.uninstall({ graceful: false });
  assert.equal(report.ok, false);
  assert.deepEqual(
    report.steps.map((s) => `${s.action}:${s.outcome}`),
    [...Array(4).fill("end:skipped"), ...Array(4).fill("delete:failed")],
  );
});

Deno.test("schtasks status reads /Query CSV", async () => {
  const query = (out: Partial<{ code: number; stdout: string; stderr: string }>) =>
    taskSchedulerBackend({
      runner: createRecordingRunner(() => out),
      files: createMemoryFiles(),
      taskDir: DIR,
    });
  assert.deepEqual(
    await query({ stdout: '"\\Halton Meter\\edge","N/A","Running"\r\n' }).status("edge"),
    { role: "edge", state: "running", detail: "Running" },
  );
  assert.deepEqual(
    await query({ stdout: '"\\Halton Meter\\daemon","N/A","Ready"\r\n' }).status("daemon"),
    { role: "daemon", state: "stopped", detail: "Ready" },
  );
  assert.deepEqual(
    await query({ code: 1, stderr: "ERROR: The system cannot find the file specified." }).status(
      "daemon",
    ),
    { role: "daemon", state: "not_installed" },
  );
  assert.equal(
    (await query({ stdout: '"x","y","Wird ausgeführt"' }).status("edge")).state,
    "unknown",
  );
  const { runner, backend } = setup();
  await backend.status("watchdog");
  assert.deepEqual(argv(runner), [[
    "schtasks",
    "/Query",
    "/TN",
    TN("watchdog"),
    "/FO",
    "CSV",
    "/NH",
  ]]);
});

Deno.test("schtasks reports name the role, the action and the exact schtasks line", async () => {
  const { backend } = setup();
  const roles = ["edge", "daemon", "watchdog", "userenv"] as const;
  assert.deepEqual((await backend.install(windowsSpec)).steps, [
    ...roles.map((role) => ({
      role,
      action: "create",
      outcome: "done",
      detail: `schtasks /Create /XML ${DIR}\\${role}.xml /TN ${TN(role)} /F`,
    })),
    ...roles.map((role) => ({
      role,
      action: "run",
      outcome: "done",
      detail: `schtasks /Run /TN ${TN(role)}`,
    })),
  ]);

  const missing = "ERROR: The system cannot find the file specified.";
  const gone = setup((_cmd, args) => args[0] === "/Run" ? undefined : { code: 1, stderr: missing });
  assert.deepEqual(await gone.backend.stop(["edge"]), {
    ok: true,
    steps: [{
      role: "edge",
      action: "end",
      outcome: "skipped",
      detail: `schtasks /End /TN ${TN("edge")} exited 1: ${missing}`,
    }],
  });
  const refused = setup(() => ({ code: 1, stderr: "ERROR: Access is denied." }));
  assert.deepEqual((await refused.backend.start(["edge"])).steps, [{
    role: "edge",
    action: "run",
    outcome: "failed",
    detail: `schtasks /Run /TN ${TN("edge")} exited 1: ERROR: Access is denied.`,
  }]);
});
