/**
 * launchctl (macOS) and HKCU\Environment (Windows) keep NODE_OPTIONS with no shell to
 * expand anything: apply appends our preload to the user's value (once), remove takes
 * exactly that off again. Fakes hold the store, so apply → re-apply → remove round-trips.
 */
import assert from "node:assert/strict";
import { createLoginEnvironment, WINDOWS_ENV_KEY } from "./login_environment.ts";
import { createMemoryFiles } from "./memory_files.ts";
import { nodePreloadOption } from "./proxy_env.ts";
import { createRecordingRunner, type RecordingRunner } from "./recording_runner.ts";

const USER = "--max-old-space-size=8192";
const MAC_OPTION = "--require /Users/ada/.halton-meter/node/proxy-preload.cjs";
const WIN_OPTION = nodePreloadOption(
  "C:\\Users\\Ada Lovelace\\.halton-meter\\node\\proxy-preload.cjs",
);
const env = (option?: string) => ({
  HTTPS_PROXY: "http://127.0.0.1:8081",
  ...(option === undefined ? {} : { NODE_OPTIONS: option }),
});

/** launchctl's environment, in memory. */
function fakeLaunchctl(store: Map<string, string>): RecordingRunner {
  return createRecordingRunner((cmd, [verb, name, value]) => {
    if (cmd !== "launchctl") return undefined;
    if (verb === "getenv") return { stdout: store.has(name) ? `${store.get(name)}\n` : "" };
    if (verb === "setenv") store.set(name, value);
    if (verb === "unsetenv") store.delete(name);
    return undefined;
  });
}

/** HKCU\Environment, in memory: name → [type, data]; prints like reg.exe. */
function fakeReg(store: Map<string, [string, string]>): RecordingRunner {
  return createRecordingRunner((cmd, args) => {
    if (cmd !== "reg") return undefined;
    const name = args[3];
    const notFound = {
      code: 1,
      stderr: "ERROR: The system was unable to find the specified registry key or value.\r\n",
    };
    if (args[0] === "query") {
      const v = store.get(name);
      return v
        ? {
          stdout: `\r\nHKEY_CURRENT_USER\\Environment\r\n    ${name}    ${v[0]}    ${v[1]}\r\n\r\n`,
        }
        : notFound;
    }
    if (args[0] === "add") store.set(name, [args[5], args[7]]);
    if (args[0] === "delete") return store.delete(name) ? undefined : notFound;
    return undefined;
  });
}

function login(os: string, runner: RecordingRunner) {
  return createLoginEnvironment({
    os,
    runner,
    files: createMemoryFiles(),
    userHome: os === "windows" ? "C:\\Users\\Ada Lovelace" : "/Users/ada",
  });
}

Deno.test("macOS: the user's launchctl NODE_OPTIONS gets our preload appended once and back exactly", async () => {
  const store = new Map([["NODE_OPTIONS", USER]]);
  const runner = fakeLaunchctl(store);
  const l = login("darwin", runner);
  assert.equal((await l.apply(env(MAC_OPTION), { shellRc: false })).ok, true);
  assert.ok(runner.lines().includes(`launchctl setenv NODE_OPTIONS ${USER} ${MAC_OPTION}`));
  assert.equal(store.get("NODE_OPTIONS"), `${USER} ${MAC_OPTION}`);

  // The userenv agent re-applies at each login: no second copy, no write at all.
  runner.calls.length = 0;
  await l.apply(env(MAC_OPTION), { shellRc: false });
  assert.equal(runner.lines().some((x) => x.includes("setenv NODE_OPTIONS")), false);
  assert.equal(store.get("NODE_OPTIONS"), `${USER} ${MAC_OPTION}`);

  runner.calls.length = 0;
  assert.equal((await l.remove([])).ok, true);
  assert.ok(runner.lines().includes(`launchctl setenv NODE_OPTIONS ${USER}`));
  assert.equal(runner.lines().includes("launchctl unsetenv NODE_OPTIONS"), false);
  assert.deepEqual([...store], [["NODE_OPTIONS", USER]], "the user's value, byte for byte");
});

Deno.test("macOS: without a user value ours is set alone and unset again; an env without the preload cleans ours", async () => {
  const store = new Map<string, string>();
  const runner = fakeLaunchctl(store);
  const l = login("darwin", runner);
  await l.apply(env(MAC_OPTION), { shellRc: false });
  assert.equal(store.get("NODE_OPTIONS"), MAC_OPTION);
  // Re-init whose preload could not be written: our option goes, a user's would stay.
  store.set("NODE_OPTIONS", `${MAC_OPTION} ${USER}`);
  await l.apply(env(), { shellRc: false });
  assert.equal(store.get("NODE_OPTIONS"), USER);
  store.set("NODE_OPTIONS", MAC_OPTION);
  await l.remove([]);
  assert.equal(store.has("NODE_OPTIONS"), false);
  // A value the user set with none of ours is not touched by remove.
  store.set("NODE_OPTIONS", USER);
  runner.calls.length = 0;
  await l.remove([]);
  assert.equal(runner.lines().some((x) => x.includes("setenv NODE_OPTIONS")), false);
  assert.equal(store.get("NODE_OPTIONS"), USER);
});

Deno.test("Windows: HKCU NODE_OPTIONS keeps the user's value and type; remove restores exactly", async () => {
  const store = new Map<string, [string, string]>([
    ["NODE_OPTIONS", ["REG_EXPAND_SZ", `${USER} --require %APPDATA%\\x.js`]],
  ]);
  const runner = fakeReg(store);
  const l = login("windows", runner);
  const r = await l.apply(env(WIN_OPTION), { shellRc: true });
  assert.equal(r.ok, true, JSON.stringify(r.steps));
  const combined = `${USER} --require %APPDATA%\\x.js ${WIN_OPTION}`;
  assert.ok(
    runner.lines().includes(
      `reg add ${WINDOWS_ENV_KEY} /v NODE_OPTIONS /t REG_EXPAND_SZ /d ${combined} /f`,
    ),
    runner.lines().join("\n"),
  );
  await l.apply(env(WIN_OPTION), { shellRc: true });
  assert.deepEqual(store.get("NODE_OPTIONS"), ["REG_EXPAND_SZ", combined], "added once");

  assert.equal((await l.remove([])).ok, true);
  assert.deepEqual(store.get("NODE_OPTIONS"), [
    "REG_EXPAND_SZ",
    `${USER} --require %APPDATA%\\x.js`,
  ]);
  assert.equal(store.has("HTTPS_PROXY"), false);

  // No value before: ours alone, deleted again at remove.
  store.clear();
  await l.apply(env(WIN_OPTION), { shellRc: true });
  assert.deepEqual(store.get("NODE_OPTIONS"), ["REG_SZ", WIN_OPTION]);
  await l.remove([]);
  assert.equal(store.has("NODE_OPTIONS"), false);
});

Deno.test("Windows: a NODE_OPTIONS value of another registry type, or an unreadable one, is left alone", async () => {
  const multi = createRecordingRunner((cmd, args) =>
    cmd === "reg" && args[0] === "query"
      ? {
        stdout:
          `\r\nHKEY_CURRENT_USER\\Environment\r\n    NODE_OPTIONS    REG_MULTI_SZ    a\\0b\r\n`,
      }
      : undefined
  );
  await login("windows", multi).apply(env(WIN_OPTION), { shellRc: false });
  await login("windows", multi).remove([]);
  assert.equal(multi.lines().some((x) => / \/v NODE_OPTIONS .*\/f$/.test(x)), false);

  const denied = createRecordingRunner((cmd, args) =>
    cmd === "reg" && args[0] === "query"
      ? { code: 1, stderr: "ERROR: Access is denied." }
      : undefined
  );
  await login("windows", denied).apply(env(WIN_OPTION), { shellRc: false });
  assert.equal(denied.lines().some((x) => / \/v NODE_OPTIONS .*\/f$/.test(x)), false);
});
