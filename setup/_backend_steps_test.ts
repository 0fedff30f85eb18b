import assert from "node:assert/strict";
import {
  removeEntryFile,
  runCommandStep,
  skipIfAbsent,
  stepEachRole,
  uninstallStopRoles,
} from "./_backend_steps.ts";
import { createMemoryFiles } from "./memory_files.ts";
import { createRecordingRunner } from "./recording_runner.ts";
import type { Role } from "./roles.ts";

Deno.test("runCommandStep: exit 0 is done with the command line, anything else failed with what it said", async () => {
  const runner = createRecordingRunner((_cmd, args) =>
    args[0] === "stop"
      ? { code: 5, stdout: "ignored", stderr: "Unit x not loaded.\nmore" }
      : undefined
  );
  const ok = await runCommandStep(runner, null, "reload", "systemctl", ["--user", "daemon-reload"]);
  assert.deepEqual(ok.step, {
    role: null,
    action: "reload",
    outcome: "done",
    detail: "systemctl --user daemon-reload",
  });
  assert.equal(ok.result.code, 0);
  const bad = await runCommandStep(runner, "edge", "stop", "svc", ["stop", "x"]);
  assert.deepEqual(bad.step, {
    role: "edge",
    action: "stop",
    outcome: "failed",
    detail: "svc stop x exited 5: Unit x not loaded.",
  });
  assert.deepEqual(bad.result, { code: 5, stdout: "ignored", stderr: "Unit x not loaded.\nmore" });
  assert.deepEqual(runner.lines(), ["systemctl --user daemon-reload", "svc stop x"]);
});

Deno.test("skipIfAbsent: only a failure the predicate calls absent becomes skipped", async () => {
  const answers = [{ code: 1, stderr: "gone" }, { code: 1, stderr: "denied" }, { stderr: "gone" }];
  const runner = createRecordingRunner(() => answers.shift());
  const gone = (r: { stderr: string }) => r.stderr === "gone";
  const run = () => runCommandStep(runner, "daemon", "end", "x", ["end"]);
  assert.deepEqual(skipIfAbsent(await run(), gone), {
    role: "daemon",
    action: "end",
    outcome: "skipped",
    detail: "x end exited 1: gone",
  });
  assert.equal(skipIfAbsent(await run(), gone).outcome, "failed");
  // A success that happens to print the same words stays done.
  assert.equal(skipIfAbsent(await run(), gone).outcome, "done");
});

Deno.test("stepEachRole: roles deduplicated, one at a time in the given order, ok unless one failed", async () => {
  const seen: string[] = [];
  const order: Role[] = ["watchdog", "daemon", "userenv", "edge"];
  const report = await stepEachRole(["edge", "daemon", "edge"], order, async (role) => {
    seen.push(`begin ${role}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
    seen.push(`end ${role}`);
    return { role, action: "a", outcome: role === "edge" ? "failed" : "done", detail: role };
  });
  assert.deepEqual(seen, ["begin daemon", "end daemon", "begin edge", "end edge"]);
  assert.deepEqual(report, {
    ok: false,
    steps: [
      { role: "daemon", action: "a", outcome: "done", detail: "daemon" },
      { role: "edge", action: "a", outcome: "failed", detail: "edge" },
    ],
  });
  assert.deepEqual(await stepEachRole([], order, () => Promise.reject(new Error("no"))), {
    ok: true,
    steps: [],
  });
});

Deno.test("uninstallStopRoles: stop order; graceful leaves the edge out", () => {
  assert.deepEqual(uninstallStopRoles(false), ["watchdog", "daemon", "userenv", "edge"]);
  assert.deepEqual(uninstallStopRoles(true), ["watchdog", "daemon", "userenv"]);
});

Deno.test("removeEntryFile: removes a present file, skips an absent one without touching files", async () => {
  const files = createMemoryFiles({ "/u/a.service": "x" });
  assert.deepEqual(await removeEntryFile(files, "edge", "/u/a.service", true), {
    role: "edge",
    action: "remove",
    outcome: "done",
    detail: "/u/a.service",
  });
  assert.deepEqual(await removeEntryFile(files, "daemon", "/u/b.service", false), {
    role: "daemon",
    action: "remove",
    outcome: "skipped",
    detail: "/u/b.service absent",
  });
  assert.deepEqual(files.ops, [{ op: "remove", path: "/u/a.service" }]);
  assert.equal(files.files.size, 0);
});
