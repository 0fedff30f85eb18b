import assert from "node:assert/strict";
import type { Logger } from "../core/mod.ts";
import {
  createMemoryFiles,
  createRecordingRunner,
  type LoginEnvRecord,
  type MemoryFiles,
  type RecordingRunner,
  WINDOWS_ENV_KEY,
} from "../setup/mod.ts";
import { emptySystemState } from "../setup/system_state.ts";
import { runUserenv } from "./run_userenv.ts";
import { loginEnvForTarget } from "./run_userenv_role.ts";

const HOME = "/Users/ada/.halton-meter";
const NOW = new Date("2026-12-01T09:00:00.000Z");
const ENV = { HTTPS_PROXY: "http://127.0.0.1:8081", NO_PROXY: "localhost,127.0.0.1,::1" };

function record(os: string, over: Partial<LoginEnvRecord> = {}): string {
  const userHome = os === "windows" ? "C:\\Users\\ada" : "/Users/ada";
  return JSON.stringify({
    mode: "apps",
    env: ENV,
    shell_rc: true,
    target: { userHome, loginShell: "/bin/zsh" },
    recorded_at: "2026-11-30T10:00:00.000Z",
    ...over,
  });
}

async function run(
  os: string,
  files: MemoryFiles,
  runner: RecordingRunner = createRecordingRunner(),
  edgePort: number | null = null,
): Promise<{ code: number; lines: string[]; runner: RecordingRunner }> {
  const lines: string[] = [];
  const log: Logger = { log: (level, message) => lines.push(`${level} ${message}`) };
  const code = await runUserenv({
    home: HOME,
    deps: {
      files,
      os,
      log,
      now: () => NOW,
      // The role's own wiring, so a wrong target → options mapping fails here too.
      loginEnvFor: loginEnvForTarget(os, runner, files),
      edgePort: () => Promise.resolve(edgePort),
    },
  });
  return { code, lines, runner };
}

Deno.test("userenv on macOS re-runs launchctl setenv per variable and records the run", async () => {
  const files = createMemoryFiles({
    [`${HOME}/install-mode`]: "apps\n",
    [`${HOME}/login-env.json`]: record("darwin"),
    [`${HOME}/system_state.json`]: JSON.stringify(emptySystemState("2026-11-30T10:00:00.000Z")),
  });
  const r = await run("darwin", files);
  assert.equal(r.code, 0, r.lines.join("\n"));
  const setenv = r.runner.lines().filter((l) => l.startsWith("launchctl setenv"));
  assert.deepEqual(setenv, [
    "launchctl setenv HTTPS_PROXY http://127.0.0.1:8081",
    "launchctl setenv NO_PROXY localhost,127.0.0.1,::1",
  ]);
  // The rc block init wrote is made present again too; the recreated file is recorded.
  assert.ok(String(files.files.get("/Users/ada/.zshrc")).includes("HTTPS_PROXY"));
  const state = JSON.parse(String(files.files.get(`${HOME}/system_state.json`)));
  assert.deepEqual(state.files_created, ["/Users/ada/.zshrc"]);
  const applied = JSON.parse(String(files.files.get(`${HOME}/run/userenv-applied.json`)));
  assert.deepEqual(
    { ...applied, detail: undefined },
    {
      at: NOW.toISOString(),
      by: "userenv",
      record: "2026-11-30T10:00:00.000Z",
      ok: true,
      detail: undefined,
    },
  );
  assert.ok(r.lines.includes("info login environment applied"), r.lines.join("\n"));
});

Deno.test("userenv in env-only mode (or without install) does nothing and exits 0", async () => {
  for (const mode of ["env-only\n", null]) {
    const files = createMemoryFiles(mode === null ? {} : { [`${HOME}/install-mode`]: mode });
    const r = await run("darwin", files);
    assert.equal(r.code, 0);
    assert.deepEqual(r.runner.calls, []);
    assert.match(r.lines.join("\n"), /nothing to do: (env-only|none) mode/);
    assert.equal(files.files.has(`${HOME}/run/userenv-applied.json`), false);
  }
});

Deno.test("userenv on Windows only verifies HKCU\\Environment, re-adds it when missing", async () => {
  const present = createRecordingRunner((cmd, args) =>
    cmd === "reg" && args[0] === "query"
      ? {
        stdout: `\r\n${WINDOWS_ENV_KEY}\r\n    HTTPS_PROXY    REG_SZ    http://127.0.0.1:8081\r\n`,
      }
      : undefined
  );
  const files = createMemoryFiles({
    [`${HOME}/install-mode`]: "full\n",
    [`${HOME}/login-env.json`]: record("windows", { mode: "full" }),
  });
  const kept = await run("windows", files, present);
  assert.equal(kept.code, 0);
  assert.deepEqual(present.lines(), [`reg query ${WINDOWS_ENV_KEY} /v HTTPS_PROXY`]);
  assert.match(kept.lines.join("\n"), /present \(persistent across sign-ins\)|skipped/);

  const gone = createRecordingRunner((cmd, args) =>
    cmd === "reg" && args[0] === "query" ? { code: 1, stderr: "unable to find" } : undefined
  );
  const readded = await run("windows", files, gone);
  assert.equal(readded.code, 0);
  assert.ok(
    gone.lines().includes(
      `reg add ${WINDOWS_ENV_KEY} /v HTTPS_PROXY /t REG_SZ /d http://127.0.0.1:8081 /f`,
    ),
    gone.lines().join("\n"),
  );
});

Deno.test("userenv: apps mode without a record fails saying which init to run; a running init is left alone", async () => {
  const missing = await run("linux", createMemoryFiles({ [`${HOME}/install-mode`]: "apps\n" }));
  assert.equal(missing.code, 1);
  assert.match(
    missing.lines.join("\n"),
    /login-env\.json is missing: run halton-meter init --apps/,
  );

  const files = createMemoryFiles({
    [`${HOME}/install-mode`]: "apps\n",
    [`${HOME}/login-env.json`]: record("linux"),
    [`${HOME}/run/init-running`]: new Date(NOW.getTime() - 5000).toISOString(),
  });
  const during = await run("linux", files);
  assert.equal(during.code, 0);
  assert.match(during.lines.join("\n"), /init is running/);
  assert.equal(files.files.has("/Users/ada/.zshrc"), false);
});

Deno.test("userenv: a refused launchctl fails the run and is recorded as not ok", async () => {
  const runner = createRecordingRunner((cmd) =>
    cmd === "launchctl" ? { code: 5, stderr: "Operation not permitted" } : undefined
  );
  const files = createMemoryFiles({
    [`${HOME}/install-mode`]: "apps\n",
    [`${HOME}/login-env.json`]: record("darwin"),
  });
  const r = await run("darwin", files, runner);
  assert.equal(r.code, 1);
  const applied = JSON.parse(String(files.files.get(`${HOME}/run/userenv-applied.json`)));
  assert.equal(applied.ok, false);
  assert.match(applied.detail, /Operation not permitted/);
});

Deno.test("userenv follows an edge that came back on another port: record, rc blocks, environment.d", async () => {
  const env = {
    ...ENV,
    https_proxy: "http://127.0.0.1:8081",
    HTTP_PROXY: "http://127.0.0.1:8081",
    http_proxy: "http://127.0.0.1:8081",
  };
  const files = createMemoryFiles({
    [`${HOME}/install-mode`]: "apps\n",
    [`${HOME}/login-env.json`]: record("linux", { env }),
  });
  const r = await run("linux", files, createRecordingRunner(), 8082);
  assert.equal(r.code, 0, r.lines.join("\n"));
  assert.match(r.lines.join("\n"), /warn the edge moved: login environment re-pointed at it/);
  const rec = JSON.parse(String(files.files.get(`${HOME}/login-env.json`)));
  assert.deepEqual(rec.env, {
    HTTPS_PROXY: "http://127.0.0.1:8082",
    https_proxy: "http://127.0.0.1:8082",
    HTTP_PROXY: "http://127.0.0.1:8082",
    http_proxy: "http://127.0.0.1:8082",
    NO_PROXY: "localhost,127.0.0.1,::1",
  });
  assert.equal(rec.recorded_at, NOW.toISOString());
  for (const path of ["/Users/ada/.zshrc", "/Users/ada/.config/environment.d/halton-meter.conf"]) {
    const text = String(files.files.get(path));
    assert.match(text, /127\.0\.0\.1:8082/, path);
    assert.doesNotMatch(text, /127\.0\.0\.1:8081/, path);
  }
  // status reads the run as having applied the current record.
  const applied = JSON.parse(String(files.files.get(`${HOME}/run/userenv-applied.json`)));
  assert.equal(applied.record, rec.recorded_at);

  // Same port, or no edge answering (at login it may not be up yet): the record stays.
  for (const live of [8082, null]) {
    const again = await run("linux", files, createRecordingRunner(), live);
    assert.equal(again.code, 0);
    assert.doesNotMatch(again.lines.join("\n"), /edge moved/);
    assert.equal(
      JSON.parse(String(files.files.get(`${HOME}/login-env.json`))).recorded_at,
      rec.recorded_at,
    );
  }
});
