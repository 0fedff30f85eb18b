import assert from "node:assert/strict";
import { linuxSpec, macSpec, nastySpec } from "./_fixtures.ts";
import { assertGolden } from "./_golden.ts";
import { createCommandRunner } from "./command_runner.ts";
import { lingerHint, renderSystemdUnit } from "./render_systemd_unit.ts";
import { ROLES } from "./roles.ts";
import { systemdUnitName } from "./service_names.ts";
import { createServiceSpec } from "./service_spec.ts";

Deno.test("renderSystemdUnit matches the golden units", async () => {
  for (const role of ROLES) {
    await assertGolden(`systemd/${systemdUnitName(role)}`, renderSystemdUnit(linuxSpec, role));
  }
  await assertGolden("systemd/escaping.service", renderSystemdUnit(nastySpec, "edge"));
});

/**
 * Reads an ExecStart= value back the way systemd does for what we emit: whitespace
 * splitting, double quotes with C escapes, `%%` and `$$`.
 */
function splitExecStart(line: string): string[] {
  const words: string[] = [];
  let i = 0;
  const unescape = (s: string) => s.replaceAll("%%", "%").replaceAll("$$", "$");
  while (i < line.length) {
    if (line[i] === " ") {
      i++;
      continue;
    }
    let word = "";
    if (line[i] === '"') {
      i++;
      while (line[i] !== '"') {
        if (i >= line.length) throw new Error(`Unterminated quote in ${line}`);
        if (line[i] === "\\") {
          const next = line[i + 1];
          if (next !== "\\" && next !== '"') throw new Error(`Unexpected escape \\${next}`);
          word += next;
          i += 2;
        } else word += line[i++];
      }
      i++;
      if (i < line.length && line[i] !== " ") throw new Error(`Text after a quote in ${line}`);
    } else {
      while (i < line.length && line[i] !== " ") {
        if (`"'\\`.includes(line[i])) throw new Error(`Unquoted ${line[i]} in ${line}`);
        word += line[i++];
      }
    }
    words.push(unescape(word));
  }
  return words;
}

function directive(unit: string, key: string): string[] {
  return unit.split("\n").filter((l) => l.startsWith(`${key}=`)).map((l) =>
    l.slice(key.length + 1)
  );
}

Deno.test("renderSystemdUnit ExecStart and Environment read back to the spec", () => {
  for (const spec of [linuxSpec, macSpec, nastySpec]) {
    for (const role of ROLES) {
      const unit = renderSystemdUnit(spec, role);
      const [exec] = directive(unit, "ExecStart");
      assert.deepEqual(splitExecStart(exec), [spec.roles[role].program, ...spec.roles[role].args]);
      const env = directive(unit, "Environment").map((v) =>
        splitExecStart(v.replaceAll("$", "$$"))[0]
      );
      assert.deepEqual(env, Object.entries(spec.env).map(([k, v]) => `${k}=${v}`));
    }
  }
});

Deno.test("renderSystemdUnit restart policy per role", () => {
  const get = (role: (typeof ROLES)[number], key: string) =>
    directive(renderSystemdUnit(linuxSpec, role), key);
  assert.deepEqual(get("edge", "Restart"), ["always"]);
  assert.deepEqual(get("edge", "RestartSec"), ["1"]);
  assert.deepEqual(get("watchdog", "Restart"), ["always"]);
  assert.deepEqual(get("daemon", "Restart"), ["no"]);
  assert.deepEqual(get("userenv", "Type"), ["oneshot"]);
  assert.deepEqual(get("userenv", "RemainAfterExit"), ["yes"]);
  for (const role of ROLES) assert.deepEqual(get(role, "WantedBy"), ["default.target"]);
});

Deno.test("renderSystemdUnit refuses a relative program and a newline in a value", () => {
  const relative = {
    ...linuxSpec,
    roles: { ...linuxSpec.roles, edge: { program: "deno", args: [] } },
  };
  assert.throws(() => renderSystemdUnit(relative, "edge"), /not an absolute path/);
  const newline = { ...linuxSpec, env: { HALTON_METER_HOME: "/tmp/a\nExecStartPre=/bin/evil" } };
  assert.throws(() => renderSystemdUnit(newline, "edge"), /control character or newline/);
});

Deno.test("lingerHint names the command with the user quoted", () => {
  assert.match(lingerHint("ada"), /^ {2}loginctl enable-linger ada$/m);
  assert.match(lingerHint("o'neil x"), /loginctl enable-linger 'o'\\''neil x'/);
});

async function which(cmd: string): Promise<boolean> {
  const result = await createCommandRunner().run("sh", ["-c", `command -v ${cmd}`]);
  return result.code === 0;
}

Deno.test("renderSystemdUnit units pass systemd-analyze verify", async (t) => {
  if (!(await which("systemd-analyze"))) {
    console.log(
      "SKIP systemd-analyze verify: systemd-analyze is not installed (apt-get install systemd)",
    );
    return;
  }
  const dir = await Deno.makeTempDir({ prefix: "hm-units-" });
  try {
    // A home and a checkout with every special character, and a program that exists.
    const home = `${dir}/home 100% $USER "q" it's \\ x`;
    const spec = createServiceSpec({
      home,
      env: { EXTRA: "a;b %h ${X}" },
      launch: { execPath: Deno.execPath(), mainModule: `${dir}/src %n/main.ts`, compiled: false },
    });
    const files = [];
    for (const role of ROLES) {
      const path = `${dir}/${systemdUnitName(role)}`;
      await Deno.writeTextFile(path, renderSystemdUnit(spec, role));
      files.push(path);
    }
    await Deno.mkdir(`${dir}/runtime`, { mode: 0o700 });
    const result = await createCommandRunner().run(
      "systemd-analyze",
      ["--user", "verify", "--man=no", ...files],
      { env: { XDG_RUNTIME_DIR: `${dir}/runtime` } },
    );
    if (/Failed to initialize manager|RuntimeDirectory/.test(result.stderr)) {
      console.log(`SKIP systemd-analyze verify cannot run here: ${result.stderr.trim()}`);
      return;
    }
    await t.step("exit code and warnings", () => {
      assert.equal(result.code, 0, result.stderr);
      const ours = result.stderr.split("\n").filter((l) => l.includes("halton-meter"));
      assert.deepEqual(ours, [], result.stderr);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
