import assert from "node:assert/strict";
import { launchCommand } from "./launch_command.ts";
import { createServiceSpec } from "./service_spec.ts";

const PERMS = [
  "--allow-net",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-run",
  "--allow-sys",
];

Deno.test("launchCommand from source runs deno run with permissions and the absolute main.ts", () => {
  const cmd = launchCommand("edge", {
    execPath: "/usr/local/bin/deno",
    mainModule: "file:///home/ada/src/halton%20meter/main.ts",
    compiled: false,
  });
  assert.deepEqual(cmd, {
    program: "/usr/local/bin/deno",
    args: ["run", ...PERMS, "/home/ada/src/halton meter/main.ts", "--role", "edge"],
  });
  assert.deepEqual(
    launchCommand("userenv", { execPath: "/d", mainModule: "/src/main.ts", compiled: false }).args
      .slice(-2),
    ["--role", "userenv"],
  );
});

Deno.test("launchCommand compiled runs the binary itself", () => {
  assert.deepEqual(
    launchCommand("daemon", { execPath: "/opt/hm/halton-meter", mainModule: "x", compiled: true }),
    { program: "/opt/hm/halton-meter", args: ["--role", "daemon"] },
  );
});

Deno.test("launchCommand converts Windows and UNC file URLs to Windows paths", () => {
  const win = launchCommand("watchdog", {
    execPath: "C:\\Deno\\deno.exe",
    mainModule: "file:///C:/Users/Ada/src/halton%20meter/main.ts",
    compiled: false,
  });
  assert.equal(win.args.at(-3), "C:\\Users\\Ada\\src\\halton meter\\main.ts");
  const unc = launchCommand("watchdog", {
    execPath: "C:\\Deno\\deno.exe",
    mainModule: "file://server/share/src/main.ts",
    compiled: false,
  });
  assert.equal(unc.args.at(-3), "\\\\server\\share\\src\\main.ts");
});

Deno.test("launchCommand refuses relative paths", () => {
  assert.throws(
    () => launchCommand("edge", { execPath: "deno", mainModule: "/m.ts", compiled: false }),
    /executable path "deno" is not absolute/,
  );
  assert.throws(
    () => launchCommand("edge", { execPath: "/deno", mainModule: "main.ts", compiled: false }),
    /main module "main.ts"/,
  );
});

Deno.test("createServiceSpec puts HALTON_METER_HOME first, sorts the rest, defaults logDir", () => {
  const spec = createServiceSpec({
    home: "/h",
    env: { ZED: "z", HALTON_METER_HOME: "/ignored", ALPHA: "a" },
    launch: { execPath: "/deno", mainModule: "/m.ts", compiled: true },
  });
  assert.deepEqual(Object.entries(spec.env), [["HALTON_METER_HOME", "/h"], ["ALPHA", "a"], [
    "ZED",
    "z",
  ]]);
  assert.equal(spec.logDir, "/h/logs");
  assert.deepEqual(spec.roles.watchdog, { program: "/deno", args: ["--role", "watchdog"] });
  assert.equal(
    createServiceSpec({
      home: "C:\\hm",
      launch: { execPath: "C:\\d.exe", mainModule: "", compiled: true },
    }).logDir,
    "C:\\hm\\logs",
  );
  assert.throws(
    () =>
      createServiceSpec({
        home: "rel",
        launch: { execPath: "/d", mainModule: "/m.ts", compiled: true },
      }),
    /home "rel" is not an absolute path/,
  );
  assert.throws(
    () =>
      createServiceSpec({
        home: "/h",
        env: { "BAD-NAME": "x" },
        launch: { execPath: "/d", mainModule: "/m.ts", compiled: true },
      }),
    /"BAD-NAME" is not a valid environment variable name/,
  );
});

Deno.test("launchCommand gives the daemon all permissions (Deno gates /proc behind them)", () => {
  const ctx = { execPath: "/d", mainModule: "/src/main.ts", compiled: false };
  assert.deepEqual(launchCommand("daemon", ctx).args, [
    "run",
    "--allow-all",
    "/src/main.ts",
    "--role",
    "daemon",
  ]);
  for (const role of ["edge", "watchdog", "userenv"] as const) {
    assert.deepEqual(launchCommand(role, ctx).args.slice(1, -3), PERMS, role);
  }
});
