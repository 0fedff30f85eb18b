import assert from "node:assert/strict";
import { createLoginEnvironment, WINDOWS_ENV_KEY } from "./login_environment.ts";
import { createMemoryFiles } from "./memory_files.ts";
import { PROXY_ENV_NAMES } from "./proxy_env.ts";
import { createRecordingRunner } from "./recording_runner.ts";
import { RC_BEGIN_MARKER } from "./render_shell_rc_block.ts";

const ENV = {
  HTTPS_PROXY: "http://127.0.0.1:8081",
  NO_PROXY: "localhost,127.0.0.1,::1",
  SSL_CERT_FILE: "/Users/ada/.halton-meter/ca/ca bundle.pem",
};
// NODE_OPTIONS is never unset or deleted outright: it may hold the user's own options.
const STALE = PROXY_ENV_NAMES.filter((n) => !(n in ENV) && n !== "NODE_OPTIONS");
const OWNED = PROXY_ENV_NAMES.filter((n) => n !== "NODE_OPTIONS");

Deno.test("macOS apply: launchctl setenv per variable, stale names unset, zsh block created for the login shell", async () => {
  const runner = createRecordingRunner();
  const files = createMemoryFiles();
  const login = createLoginEnvironment({
    os: "darwin",
    runner,
    files,
    userHome: "/Users/ada",
    loginShell: "/bin/zsh",
  });
  const r = await login.apply(ENV, { shellRc: true });
  assert.equal(r.ok, true, JSON.stringify(r.steps));
  assert.deepEqual(runner.calls.map((c) => [c.cmd, ...c.args]), [
    ["launchctl", "getenv", "NODE_OPTIONS"],
    ["launchctl", "setenv", "HTTPS_PROXY", "http://127.0.0.1:8081"],
    ["launchctl", "setenv", "NO_PROXY", "localhost,127.0.0.1,::1"],
    ["launchctl", "setenv", "SSL_CERT_FILE", "/Users/ada/.halton-meter/ca/ca bundle.pem"],
    ...STALE.map((n) => ["launchctl", "unsetenv", n]),
  ]);
  assert.deepEqual(r.created, ["/Users/ada/.zshrc"]);
  assert.deepEqual([...files.files.keys()], ["/Users/ada/.zshrc"], "no environment.d on macOS");
  const zshrc = String(files.files.get("/Users/ada/.zshrc"));
  assert.ok(zshrc.startsWith(RC_BEGIN_MARKER), zshrc);
  assert.match(zshrc, /export SSL_CERT_FILE='\/Users\/ada\/\.halton-meter\/ca\/ca bundle\.pem'/);
});

Deno.test("macOS remove: unsets every name, deletes the file it created, keeps a pre-existing one", async () => {
  const runner = createRecordingRunner();
  const files = createMemoryFiles({ "/Users/ada/.bashrc": "alias ll='ls -l'" });
  const login = createLoginEnvironment({
    os: "darwin",
    runner,
    files,
    userHome: "/Users/ada",
    loginShell: "/bin/zsh",
  });
  const applied = await login.apply(ENV, { shellRc: true });
  assert.deepEqual(applied.created, ["/Users/ada/.zshrc"]);
  assert.ok(String(files.files.get("/Users/ada/.bashrc")).includes(RC_BEGIN_MARKER));
  runner.calls.length = 0;
  const removed = await login.remove(applied.created);
  assert.equal(removed.ok, true);
  assert.deepEqual(runner.lines(), [
    "launchctl getenv NODE_OPTIONS",
    ...OWNED.map((n) => `launchctl unsetenv ${n}`),
  ]);
  assert.deepEqual(Object.fromEntries(files.files), { "/Users/ada/.bashrc": "alias ll='ls -l'" });
});

Deno.test("macOS: a refused launchctl is a failed step with the command to retry", async () => {
  const runner = createRecordingRunner((_cmd, args) =>
    args[1] === "NO_PROXY" ? { code: 5, stderr: "Operation not permitted\n" } : undefined
  );
  const login = createLoginEnvironment({
    os: "darwin",
    runner,
    files: createMemoryFiles(),
    userHome: "/Users/ada",
  });
  const r = await login.apply(ENV, { shellRc: false });
  assert.equal(r.ok, false);
  const step = r.steps.find((s) => s.outcome === "failed");
  assert.ok(step);
  assert.equal(step.command, "launchctl setenv NO_PROXY localhost,127.0.0.1,::1");
  assert.match(step.detail, /exit 5 Operation not permitted/);
  assert.equal(r.steps[0].outcome, "skipped", "--no-shell-rc is reported");
});

Deno.test("Windows apply/remove: reg add REG_SZ per variable, reg delete tolerates missing values, no files", async () => {
  const runner = createRecordingRunner((_cmd, args) =>
    args[0] === "query" && args[3] === "NODE_OPTIONS"
      ? {
        code: 1,
        stderr: "ERROR: The system was unable to find the specified registry key or value.\r\n",
      }
      : undefined
  );
  const files = createMemoryFiles();
  const login = createLoginEnvironment({
    os: "windows",
    runner,
    files,
    userHome: "C:\\Users\\ada",
    loginShell: "bash",
  });
  const r = await login.apply(ENV, { shellRc: true });
  assert.equal(r.ok, true, JSON.stringify(r.steps));
  assert.deepEqual(r.created, []);
  assert.equal(files.ops.length, 0);
  assert.deepEqual(runner.calls.slice(0, 4).map((c) => [c.cmd, ...c.args]), [
    ["reg", "query", WINDOWS_ENV_KEY, "/v", "NODE_OPTIONS"],
    [
      "reg",
      "add",
      WINDOWS_ENV_KEY,
      "/v",
      "HTTPS_PROXY",
      "/t",
      "REG_SZ",
      "/d",
      ENV.HTTPS_PROXY,
      "/f",
    ],
    ["reg", "add", WINDOWS_ENV_KEY, "/v", "NO_PROXY", "/t", "REG_SZ", "/d", ENV.NO_PROXY, "/f"],
    [
      "reg",
      "add",
      "HKCU\\Environment",
      "/v",
      "SSL_CERT_FILE",
      "/t",
      "REG_SZ",
      "/d",
      ENV.SSL_CERT_FILE,
      "/f",
    ],
  ]);
  assert.deepEqual(
    runner.lines().slice(4),
    STALE.map((n) => `reg delete HKCU\\Environment /v ${n} /f`),
  );
  runner.calls.length = 0;
  const removed = await login.remove(r.created);
  assert.equal(removed.ok, true, JSON.stringify(removed.steps));
  assert.deepEqual(runner.lines(), [
    "reg query HKCU\\Environment /v NODE_OPTIONS",
    ...OWNED.map((n) => `reg delete HKCU\\Environment /v ${n} /f`),
  ]);
});

Deno.test("Windows: a reg failure other than 'not found' fails the step", async () => {
  const runner = createRecordingRunner((_cmd, args) =>
    args[0] === "delete" ? { code: 1, stderr: "ERROR: Access is denied.\r\n" } : undefined
  );
  const login = createLoginEnvironment({
    os: "windows",
    runner,
    files: createMemoryFiles(),
    userHome: "C:\\Users\\ada",
  });
  const r = await login.remove([]);
  assert.equal(r.ok, false);
  assert.match(r.steps[0].detail, /Access is denied/);
});

Deno.test("present() reads launchctl getenv and reg query, recognising only a loopback edge", async () => {
  const cases: Array<[string, string, string, string[]]> = [
    ["darwin", "launchctl", "http://127.0.0.1:8081\n", ["launchctl"]],
    ["darwin", "launchctl", "http://proj@127.0.0.1:18081\n", ["launchctl"]],
    ["darwin", "launchctl", "http://corp-proxy.example:3128\n", []],
    ["darwin", "launchctl", "", []],
    [
      "windows",
      "reg",
      "\r\nHKEY_CURRENT_USER\\Environment\r\n    HTTPS_PROXY    REG_SZ    http://127.0.0.1:8081\r\n\r\n",
      ["registry"],
    ],
    [
      "windows",
      "reg",
      "\r\nHKEY_CURRENT_USER\\Environment\r\n    HTTPS_PROXY    REG_SZ    http://10.0.0.1:80\r\n\r\n",
      [],
    ],
  ];
  for (const [os, cmd, stdout, expected] of cases) {
    const runner = createRecordingRunner((c) => (c === cmd ? { stdout } : undefined));
    const login = createLoginEnvironment({
      os,
      runner,
      files: createMemoryFiles(),
      userHome: "/h",
    });
    assert.deepEqual(await login.present(), expected, `${os} ${JSON.stringify(stdout)}`);
    assert.deepEqual(
      runner.lines(),
      [
        os === "darwin"
          ? "launchctl getenv HTTPS_PROXY"
          : "reg query HKCU\\Environment /v HTTPS_PROXY",
      ],
    );
  }
});

Deno.test("Linux --no-shell-rc writes environment.d only; present() lists it and broken blocks", async () => {
  const files = createMemoryFiles({ "/home/ada/.bashrc": `x\n${RC_BEGIN_MARKER}\nexport A=1\n` });
  const runner = createRecordingRunner();
  const login = createLoginEnvironment({
    os: "linux",
    runner,
    files,
    userHome: "/home/ada",
    loginShell: "/bin/bash",
  });
  const r = await login.apply(ENV, { shellRc: false });
  assert.equal(r.ok, true);
  assert.deepEqual(r.created, [
    "/home/ada/.config",
    "/home/ada/.config/environment.d",
    "/home/ada/.config/environment.d/halton-meter.conf",
  ]);
  assert.deepEqual(runner.calls, [], "no commands on Linux");
  assert.deepEqual(await login.present(), [
    "/home/ada/.bashrc",
    "/home/ada/.config/environment.d/halton-meter.conf",
  ]);
  // A broken block is reported, never guessed at.
  const again = await login.apply(ENV, { shellRc: true });
  assert.equal(again.ok, false);
  assert.match(
    again.steps.find((s) => s.outcome === "failed")?.detail ?? "",
    /never closed; fix the file by hand/,
  );
});

Deno.test("explicit shells: fish gets its own conf.d file, created with its directories", async () => {
  const files = createMemoryFiles();
  const login = createLoginEnvironment({
    os: "linux",
    runner: createRecordingRunner(),
    files,
    userHome: "/home/ada",
    configHome: "/home/ada/.config",
    shells: ["fish"],
    loginShell: "/bin/bash",
  });
  const r = await login.apply(ENV, { shellRc: true });
  assert.deepEqual(r.created, [
    "/home/ada/.config",
    "/home/ada/.config/fish",
    "/home/ada/.config/fish/conf.d",
    "/home/ada/.config/fish/conf.d/halton-meter.fish",
    "/home/ada/.config/environment.d",
    "/home/ada/.config/environment.d/halton-meter.conf",
  ]);
  assert.match(
    String(files.files.get("/home/ada/.config/fish/conf.d/halton-meter.fish")),
    /set -gx HTTPS_PROXY 'http:\/\/127\.0\.0\.1:8081'/,
  );
  assert.equal(files.files.has("/home/ada/.bashrc"), false, "bash was not asked for");
});
