import assert from "node:assert/strict";
import { sudoPatchLine, sudoRemoveBlockLine } from "./_certifi_commands.ts";
import { CA1_PEM, CA2_PEM } from "./_trust_fixtures.ts";
import { addCertifiBlock, CERTIFI_MARKER } from "./certifi_block.ts";
import { CERTIFI_PROBE, createCertifiPatcher } from "./certifi_patcher.ts";
import { COMMAND_NOT_FOUND } from "./command_runner.ts";
import { createMemoryFiles, type MemoryFiles } from "./memory_files.ts";
import { createRecordingRunner, type Responder } from "./recording_runner.ts";

const ROOTS = "# a root\n-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----\n";
const BUNDLE = "/usr/lib/python3/dist-packages/certifi/cacert.pem";

function setup(respond: Responder, initial: Record<string, string> = {}, isRoot = false) {
  const files = createMemoryFiles(initial);
  const runner = createRecordingRunner(respond);
  const patcher = createCertifiPatcher({
    runner,
    files,
    env: { PATH: "/home/ada/.local/bin:/usr/bin", HOME: "/home/ada" },
    isRoot,
    os: "linux",
    listDir: (path) =>
      Promise.resolve(path === "/home/ada/.pyenv/versions" ? ["3.12.1", "3.9.18", "junk"] : null),
  });
  return { files, runner, patcher };
}

/** Files whose writes fail like a root-owned file does for a user. */
function readOnly(files: MemoryFiles, path: string): void {
  const write = files.writeFile.bind(files);
  files.writeFile = (p, data, opts) =>
    p === path
      ? Promise.reject(new Deno.errors.PermissionDenied(`Permission denied (os error 13): ${p}`))
      : write(p, data, opts);
}

Deno.test("certifi_patcher: discover asks PATH, pyenv and extra interpreters, deduped by bundle", async () => {
  const { runner, patcher } = setup((cmd) => {
    if (cmd === "/usr/bin/python3") return { stdout: `${BUNDLE}\n` };
    if (cmd === "/home/ada/.local/bin/python") return { stdout: `${BUNDLE}\n` }; // same bundle
    if (cmd.includes("3.12.1")) return { stdout: "/home/ada/.pyenv/versions/3.12.1/c.pem\n" };
    if (cmd.includes("3.9.18")) {
      return { code: 1, stderr: "Traceback...\nModuleNotFoundError: No module named 'certifi'\n" };
    }
    if (cmd === "/opt/x/python") return { code: COMMAND_NOT_FOUND, stderr: "not found" };
    return { code: 99 };
  }, {
    "/usr/bin/python3": "",
    "/home/ada/.local/bin/python": "",
    "/usr/bin/python": "", // shadowed by ~/.local/bin
    "/home/ada/.pyenv/versions/3.12.1/bin/python": "",
    "/home/ada/.pyenv/versions/3.9.18/bin/python": "",
  });
  const targets = await patcher.discover(["/opt/x/python", "/usr/bin/python3"]);
  assert.deepEqual(runner.calls.map((c) => [c.cmd, ...c.args]), [
    ["/usr/bin/python3", "-c", CERTIFI_PROBE],
    ["/home/ada/.local/bin/python", "-c", CERTIFI_PROBE],
    ["/home/ada/.pyenv/versions/3.12.1/bin/python", "-c", CERTIFI_PROBE],
    ["/home/ada/.pyenv/versions/3.9.18/bin/python", "-c", CERTIFI_PROBE],
    ["/opt/x/python", "-c", CERTIFI_PROBE],
  ]);
  assert.deepEqual(targets, [
    { python: "/usr/bin/python3", bundle: BUNDLE },
    {
      python: "/home/ada/.pyenv/versions/3.12.1/bin/python",
      bundle: "/home/ada/.pyenv/versions/3.12.1/c.pem",
    },
    {
      python: "/home/ada/.pyenv/versions/3.9.18/bin/python",
      bundle: null,
      error:
        "/home/ada/.pyenv/versions/3.9.18/bin/python -c 'import certifi' exited 1: ModuleNotFoundError: No module named 'certifi'",
    },
    {
      python: "/opt/x/python",
      bundle: null,
      error: "/opt/x/python -c 'import certifi' exited 127: not found",
    },
  ]);
});

Deno.test("certifi_patcher: PYENV_ROOT and Windows names", async () => {
  const files = createMemoryFiles({
    "C:\\Python312\\python.exe": "",
    "D:\\pyenv\\versions\\3.11.0\\python.exe": "",
  });
  const runner = createRecordingRunner(() => ({ code: 1 }));
  const patcher = createCertifiPatcher({
    runner,
    files,
    env: { PATH: "C:\\Windows;C:\\Python312", HOME: "C:\\Users\\Ada", PYENV_ROOT: "D:\\pyenv" },
    isRoot: false,
    os: "windows",
    listDir: (p) => Promise.resolve(p === "D:\\pyenv\\versions" ? ["3.11.0"] : null),
  });
  await patcher.discover([]);
  assert.deepEqual(runner.calls.map((c) => c.cmd), [
    "C:\\Python312\\python.exe",
    "D:\\pyenv\\versions\\3.11.0\\python.exe",
  ]);
});

Deno.test("certifi_patcher: patch once, idempotent, rotated CA replaced, unpatch exact", async () => {
  const { files, patcher } = setup(() => undefined, { [BUNDLE]: ROOTS });
  assert.equal(await patcher.state(BUNDLE, CA1_PEM), "unpatched");
  assert.equal(await patcher.state("/nope.pem", CA1_PEM), "missing");

  const first = await patcher.patch([BUNDLE, BUNDLE], CA1_PEM);
  assert.deepEqual(first, {
    ok: true,
    steps: [{ action: `patch certifi ${BUNDLE}`, outcome: "done", detail: BUNDLE }],
  });
  assert.equal(files.files.get(BUNDLE), `${CERTIFI_MARKER}\n${CA1_PEM}${ROOTS}`);
  assert.equal(await patcher.state(BUNDLE, CA1_PEM), "patched");

  const second = await patcher.patch([BUNDLE], CA1_PEM);
  assert.equal(second.steps[0].outcome, "skipped");
  assert.equal(files.ops.filter((o) => o.op === "write").length, 1);

  assert.equal(await patcher.state(BUNDLE, CA2_PEM), "stale");
  await patcher.patch([BUNDLE], CA2_PEM);
  assert.equal(files.files.get(BUNDLE), `${CERTIFI_MARKER}\n${CA2_PEM}${ROOTS}`);

  const undone = await patcher.unpatch([BUNDLE, "/gone.pem"]);
  assert.deepEqual(undone.steps.map((s) => s.outcome), ["done", "skipped"]);
  assert.equal(files.files.get(BUNDLE), ROOTS);
  assert.equal((await patcher.unpatch([BUNDLE])).steps[0].outcome, "skipped");
});

Deno.test("certifi_patcher: a system bundle that already holds the CA is left alone", async () => {
  const { files, patcher } = setup(() => undefined, { [BUNDLE]: ROOTS + CA1_PEM });
  const report = await patcher.patch([BUNDLE], CA1_PEM);
  assert.equal(report.steps[0].outcome, "skipped");
  assert.match(report.steps[0].detail, /already contains the CA/);
  assert.equal(files.ops.length, 0);
});

Deno.test("certifi_patcher: unwritable bundle → manual with the sudo line; root → failed", async () => {
  const { files, patcher } = setup(() => undefined, { [BUNDLE]: ROOTS });
  readOnly(files, BUNDLE);
  const report = await patcher.patch([BUNDLE], CA1_PEM);
  assert.equal(report.ok, true);
  const step = report.steps[0];
  assert.equal(step.outcome, "manual");
  // What it does is proven in certifi_patcher_real_test (run through sh).
  assert.equal(step.command, sudoPatchLine(BUNDLE, ROOTS, CA1_PEM));
  assert.match(step.command ?? "", /^sudo sh -c '\{ printf .* cat \/.*cacert\.pem; \} > /);

  files.files.set(BUNDLE, addCertifiBlock(ROOTS, CA1_PEM));
  const unpatch = await patcher.unpatch([BUNDLE]);
  assert.equal(unpatch.steps[0].outcome, "manual");
  assert.match(unpatch.steps[0].command ?? "", /^sudo sh -c 'awk /);

  const rooted = setup(() => undefined, { [BUNDLE]: ROOTS }, true);
  readOnly(rooted.files, BUNDLE);
  const failed = await rooted.patcher.patch([BUNDLE], CA1_PEM);
  assert.equal(failed.ok, false);
  assert.match(failed.steps[0].detail, /Cannot write .*Permission denied/);
});

Deno.test("certifi_patcher: a missing bundle or a bad PEM fails with what to do", async () => {
  const { patcher } = setup(() => undefined, { [BUNDLE]: ROOTS });
  const missing = await patcher.patch(["/gone/cacert.pem"], CA1_PEM);
  assert.equal(missing.ok, false);
  assert.match(missing.steps[0].detail, /pip install --force-reinstall certifi/);
  const bad = await patcher.patch([BUNDLE], CA1_PEM + CA2_PEM);
  assert.equal(bad.ok, false);
  assert.match(bad.steps[0].detail, /expected exactly one PEM certificate, found 2/);
});

Deno.test("certifi_patcher: other write errors, and any on Windows, fail with the cause; manual names the file", async () => {
  const full = () => Promise.reject(new Error("No space left on device (os error 28)"));
  const { files, patcher } = setup(() => undefined, { [BUNDLE]: ROOTS });
  files.writeFile = full;
  assert.deepEqual((await patcher.patch([BUNDLE], CA1_PEM)).steps, [{
    action: `patch certifi ${BUNDLE}`,
    outcome: "failed",
    detail: `Cannot write ${BUNDLE}: No space left on device (os error 28)`,
  }]);
  files.files.set(BUNDLE, addCertifiBlock(ROOTS, CA1_PEM));
  assert.deepEqual((await patcher.unpatch([BUNDLE])).steps, [{
    action: `unpatch certifi ${BUNDLE}`,
    outcome: "failed",
    detail: `Cannot write ${BUNDLE}: No space left on device (os error 28)`,
  }]);

  // No sudo on Windows: a denied write is a failure there, for patch and unpatch alike.
  const winFiles = createMemoryFiles({ [BUNDLE]: ROOTS });
  readOnly(winFiles, BUNDLE);
  const win = createCertifiPatcher({
    runner: createRecordingRunner(),
    files: winFiles,
    env: { PATH: "", HOME: "C:\\Users\\ada" },
    isRoot: false,
    os: "windows",
  });
  const denied = `Cannot write ${BUNDLE}: Permission denied (os error 13): ${BUNDLE}`;
  assert.deepEqual((await win.patch([BUNDLE], CA1_PEM)).steps, [
    { action: `patch certifi ${BUNDLE}`, outcome: "failed", detail: denied },
  ]);
  winFiles.files.set(BUNDLE, addCertifiBlock(ROOTS, CA1_PEM));
  assert.deepEqual((await win.unpatch([BUNDLE])).steps, [
    { action: `unpatch certifi ${BUNDLE}`, outcome: "failed", detail: denied },
  ]);

  const user = setup(() => undefined, { [BUNDLE]: addCertifiBlock(ROOTS, CA1_PEM) });
  readOnly(user.files, BUNDLE);
  assert.deepEqual((await user.patcher.unpatch([BUNDLE])).steps, [{
    action: `unpatch certifi ${BUNDLE}`,
    outcome: "manual",
    detail: `${BUNDLE} is not writable by this user: run the command below`,
    command: sudoRemoveBlockLine(BUNDLE),
  }]);
});
