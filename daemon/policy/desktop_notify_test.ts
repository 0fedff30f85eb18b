import assert from "node:assert/strict";
import { createDesktopNotifier, notifyCommand } from "./desktop_notify.ts";

Deno.test("notifyCommand: notify-send on Linux and the BSDs", () => {
  for (const os of ["linux", "freebsd", "netbsd"] as const) {
    assert.deepEqual(notifyCommand(os, "Halton Meter warning", 'budget "daily": $1.00'), {
      cmd: "notify-send",
      args: ["--app-name=Halton Meter", "Halton Meter warning", 'budget "daily": $1.00'],
    });
  }
});

Deno.test("notifyCommand: osascript on macOS, with quotes and backslashes escaped", () => {
  assert.deepEqual(notifyCommand("darwin", "Halton Meter blocked a call", "plain"), {
    cmd: "osascript",
    args: ["-e", 'display notification "plain" with title "Halton Meter blocked a call"'],
  });
  const c = notifyCommand("darwin", 'Title "x"', 'budget "daily" \\ path C:\\tmp');
  assert.deepEqual(c?.args, [
    "-e",
    'display notification "budget \\"daily\\" \\\\ path C:\\\\tmp" with title "Title \\"x\\""',
  ]);
  // A message cannot end the AppleScript string early and run its own script.
  const evil = notifyCommand("darwin", "t", '" & (do shell script "rm -rf ~") & "');
  const script = evil?.args[1] ?? "";
  const body = script.slice('display notification "'.length, script.indexOf('" with title'));
  assert.ok(!/(^|[^\\])(\\\\)*"/.test(body), `unescaped quote in ${script}`);
});

Deno.test("notifyCommand: long bodies are cut; other systems have no command", () => {
  const c = notifyCommand("linux", "t", "x".repeat(1000));
  assert.equal(c?.args[2], `${"x".repeat(297)}...`);
  assert.equal(notifyCommand("linux", "t", "x".repeat(300))?.args[2], "x".repeat(300));
  assert.equal(notifyCommand("windows", "t", "b"), null);
  assert.equal(notifyCommand("android", "t", "b"), null);
});

function fakeDeps(os: typeof Deno.build.os, fail?: Error) {
  const spawned: { cmd: string; args: string[] }[] = [];
  const logged: string[] = [];
  return {
    spawned,
    logged,
    deps: {
      os,
      spawn(cmd: string, args: string[]) {
        if (fail) throw fail;
        spawned.push({ cmd, args });
      },
      log(message: string) {
        logged.push(message);
      },
    },
  };
}

Deno.test("createDesktopNotifier: spawns the OS command for each notification", () => {
  const f = fakeDeps("linux");
  const notify = createDesktopNotifier(f.deps);
  notify("Halton Meter warning", "one");
  notify("Halton Meter warning", "two");
  assert.deepEqual(f.spawned.map((s) => s.args[2]), ["one", "two"]);
  assert.deepEqual(f.logged, []);
});

Deno.test("createDesktopNotifier: a missing tool disables it after one log line", () => {
  const f = fakeDeps("linux", new Deno.errors.NotFound("No such file or directory (os error 2)"));
  const notify = createDesktopNotifier(f.deps);
  notify("t", "one");
  notify("t", "two");
  notify("t", "three");
  assert.deepEqual(f.logged, [
    "desktop notifications off: cannot run notify-send: No such file or directory (os error 2)",
  ]);
  assert.deepEqual(f.spawned, []);
});

Deno.test("createDesktopNotifier: an OS without a tool says so once", () => {
  const f = fakeDeps("windows");
  const notify = createDesktopNotifier(f.deps);
  notify("t", "one");
  notify("t", "two");
  assert.deepEqual(f.logged, ["desktop notifications are not available on windows"]);
  assert.deepEqual(f.spawned, []);
});
