import assert from "node:assert/strict";
import { macSpec, nastySpec } from "./_fixtures.ts";
import { assertGolden } from "./_golden.ts";
import { decodePlist } from "./_xml_check.ts";
import { renderLaunchdPlist } from "./render_launchd_plist.ts";
import { ROLES } from "./roles.ts";
import { launchdLabel } from "./service_names.ts";
import { createServiceSpec, type ServiceSpec } from "./service_spec.ts";

Deno.test("renderLaunchdPlist matches the golden plists", async () => {
  for (const role of ROLES) {
    await assertGolden(`launchd/${launchdLabel(role)}.plist`, renderLaunchdPlist(macSpec, role));
  }
  await assertGolden("launchd/escaping.plist", renderLaunchdPlist(nastySpec, "edge"));
});

function expected(spec: ServiceSpec, role: (typeof ROLES)[number]) {
  const base = {
    Label: launchdLabel(role),
    ProgramArguments: [spec.roles[role].program, ...spec.roles[role].args],
    EnvironmentVariables: spec.env,
    RunAtLoad: true,
    StandardOutPath: `${spec.logDir}/${role}.stdout.log`,
    StandardErrorPath: `${spec.logDir}/${role}.stderr.log`,
  };
  switch (role) {
    case "edge":
      return { ...base, KeepAlive: true, ThrottleInterval: 1, ProcessType: "Interactive" };
    case "daemon":
      return { ...base, ProcessType: "Interactive" };
    case "watchdog":
      return { ...base, KeepAlive: true, ProcessType: "Background" };
    case "userenv":
      return { ...base, ProcessType: "Background" };
  }
}

Deno.test("renderLaunchdPlist output parses back to the spec, special characters included", () => {
  for (const spec of [macSpec, nastySpec]) {
    for (const role of ROLES) {
      assert.deepEqual(decodePlist(renderLaunchdPlist(spec, role)), expected(spec, role));
    }
  }
});

Deno.test("renderLaunchdPlist gives the daemon no KeepAlive key at all", () => {
  const daemon = renderLaunchdPlist(macSpec, "daemon");
  assert.equal(daemon.includes("KeepAlive"), false);
  assert.equal(renderLaunchdPlist(macSpec, "userenv").includes("KeepAlive"), false);
  assert.match(renderLaunchdPlist(macSpec, "edge"), /<key>KeepAlive<\/key>\n\t<true\/>/);
});

Deno.test("renderLaunchdPlist source-mode arguments point at deno run main.ts", () => {
  const plist = decodePlist(renderLaunchdPlist(nastySpec, "daemon"));
  assert.ok(typeof plist === "object" && !Array.isArray(plist));
  assert.deepEqual(plist.ProgramArguments, [
    "/opt/deno 2/bin/deno",
    "run",
    "--allow-all",
    "/Users/ada lovelace/src/h&m%/main.ts",
    "--role",
    "daemon",
  ]);
});

Deno.test("renderLaunchdPlist refuses characters XML cannot carry", () => {
  const spec = createServiceSpec({
    home: "/Users/ada/bell\u0007",
    launch: { execPath: "/bin/deno", mainModule: "/src/main.ts", compiled: false },
  });
  assert.throws(() => renderLaunchdPlist(spec, "edge"), /U\+0007/);
});
