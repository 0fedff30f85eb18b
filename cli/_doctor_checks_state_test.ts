import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import {
  createRecordingRunner,
  SOURCE_PERMISSIONS,
  type SystemProxyControl,
  type SystemProxyState,
} from "../setup/mod.ts";
import {
  configCheck,
  databaseChecks,
  diskCheck,
  installChecks,
  loginEnvCheck,
  systemProxyCheck,
} from "./_doctor_checks_state.ts";
import { readInstallState } from "./_install_state.ts";
import { collectStatus } from "./status.ts";
import { withTempHome } from "../tests/_support/temp_home.ts";

const withHome = (fn: (home: string) => Promise<void>) => withTempHome("hm-doctor-state-", fn);

Deno.test("config: missing is PASS (defaults), an unknown key is FAIL naming the key and the file", () =>
  withHome(async (home) => {
    assert.equal(configCheck(home).status, "PASS");
    await Deno.writeTextFile(`${home}/config.json`, JSON.stringify({ ports: { edgee: 1 } }));
    const c = configCheck(home);
    assert.equal(c.status, "FAIL");
    assert.match(c.detail, /ports\.edgee/);
    assert.ok(c.detail.includes(`${home}/config.json`));
    assert.equal(c.next, `\${EDITOR:-vi} ${home}/config.json`);
    await Deno.writeTextFile(`${home}/config.json`, "{ not json");
    assert.match(configCheck(home).detail, /not valid JSON/);
    await Deno.writeTextFile(`${home}/config.json`, JSON.stringify({ ports: { edge: 0 } }));
    assert.equal(configCheck(home).status, "PASS");
  }));

Deno.test("install mode and sentinels: consistent PASS, mismatch FAIL with the init to reconcile", () =>
  withHome(async (home) => {
    let [mode, sentinels] = installChecks(home, readInstallState(home));
    assert.equal(mode.status, "WARN");
    assert.equal(sentinels.status, "SKIP");
    await Deno.writeTextFile(`${home}/install-mode`, "apps\n");
    await Deno.writeTextFile(`${home}/apps-managed`, "");
    [mode, sentinels] = installChecks(home, readInstallState(home));
    assert.equal(mode.status, "PASS");
    assert.equal(sentinels.status, "PASS");
    await Deno.writeTextFile(`${home}/proxy-managed`, "");
    [, sentinels] = installChecks(home, readInstallState(home));
    assert.equal(sentinels.status, "FAIL");
    assert.match(sentinels.next ?? "", /^halton-meter init --apps/);
    await Deno.writeTextFile(`${home}/install-mode`, "sideways\n");
    [mode] = installChecks(home, readInstallState(home));
    assert.equal(mode.status, "FAIL");
    assert.match(mode.detail, /"sideways"/);
  }));

function fakeProxy(state: SystemProxyState, calls: number[] = []): SystemProxyControl {
  const no = () => Promise.reject(new Error("doctor must not change the system proxy"));
  return {
    backend: "gsettings",
    capture: no,
    enable: no,
    disable: no,
    restore: no,
    state: (port) => {
      calls.push(port);
      return Promise.resolve(state);
    },
  };
}

Deno.test("system proxy vs mode: full needs it on, other modes need it not pointing at us", () =>
  withHome(async (home) => {
    await Deno.writeTextFile(`${home}/install-mode`, "full\n");
    const full = readInstallState(home);
    const calls: number[] = [];
    assert.equal((await systemProxyCheck(full, 8081, fakeProxy("on", calls))).status, "PASS");
    assert.deepEqual(calls, [8081]);
    const off = await systemProxyCheck(full, 8081, fakeProxy("off"));
    assert.equal(off.status, "FAIL");
    assert.equal(off.next, "halton-meter init --full");
    assert.equal((await systemProxyCheck(full, 8081, fakeProxy("foreign"))).status, "FAIL");
    assert.equal((await systemProxyCheck(full, 8081, undefined)).status, "SKIP");

    await Deno.writeTextFile(`${home}/install-mode`, "apps\n");
    const apps = readInstallState(home);
    const left = await systemProxyCheck(apps, 8081, fakeProxy("on"));
    assert.equal(left.status, "FAIL");
    assert.match(left.detail, /left over from full mode/);
    assert.equal((await systemProxyCheck(apps, 8081, fakeProxy("foreign"))).status, "PASS");
  }));

Deno.test("full mode where init managed no system proxy: sentinels PASS, system proxy SKIP with the reason, status agrees", () =>
  withHome(async (home) => {
    await Deno.writeTextFile(`${home}/install-mode`, "full\n");
    await Deno.writeTextFile(`${home}/apps-managed`, "t\n");
    await Deno.writeTextFile(`${home}/proxy-unmanaged`, "no GNOME desktop\n");
    const s = readInstallState(home);
    assert.equal(s.proxyUnmanaged, "no GNOME desktop");
    const [, sentinels] = installChecks(home, s);
    assert.equal(sentinels.status, "PASS", sentinels.detail);
    const proxy = await systemProxyCheck(s, 8081, fakeProxy("off"));
    assert.equal(proxy.status, "SKIP");
    assert.match(proxy.detail, /no system proxy to manage: no GNOME desktop/);
    const status = await collectStatus(home, {
      backend: null,
      isAlive: () => false,
      probeHttp: () => Promise.resolve({ kind: "refused" }),
      os: "linux",
      systemProxy: fakeProxy("off"),
    });
    assert.equal(status.sentinels.state, "healthy", status.sentinels.detail);
    assert.equal(status.system_proxy.state, "off");
    assert.match(status.system_proxy.detail, /none managed here: no GNOME desktop/);

    // A proxy-managed sentinel on top of it contradicts the record.
    await Deno.writeTextFile(`${home}/proxy-managed`, "t\n");
    assert.equal(installChecks(home, readInstallState(home))[1].status, "FAIL");
  }));

Deno.test("database: healthy quick_check PASS without side files; corrupt pages and garbage FAIL", () =>
  withHome(async (home) => {
    const path = `${home}/db.sqlite`;
    assert.equal(databaseChecks(home)[0].status, "SKIP");
    const db = new DatabaseSync(path);
    db.exec("PRAGMA journal_mode=WAL; CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);");
    db.exec("CREATE INDEX t_v ON t(v);");
    const ins = db.prepare("INSERT INTO t(v) VALUES (?)");
    for (let i = 0; i < 3000; i++) ins.run(`value-${i}-${"x".repeat(40)}`);
    db.close();
    const [ok, spool] = databaseChecks(home);
    assert.equal(ok.status, "PASS", ok.detail);
    assert.equal(spool.status, "PASS");
    // Read-only and immutable: the checkpointed database gets no -wal/-shm from us.
    assert.deepEqual([...Deno.readDirSync(home)].map((e) => e.name).sort(), ["db.sqlite"]);

    // Scribble over the middle of the file: pages of the table and index no longer agree.
    const bytes = await Deno.readFile(path);
    for (let i = 8192 + 100; i < bytes.length - 8192; i += 4096) bytes.fill(0x41, i, i + 600);
    await Deno.writeFile(path, bytes);
    const bad = databaseChecks(home)[0];
    assert.equal(bad.status, "FAIL");
    assert.match(bad.next ?? "", /halton-meter stop && mv .*db\.sqlite .*db\.sqlite\.corrupt/);

    await Deno.writeTextFile(path, "this is not a database at all".repeat(200));
    const garbage = databaseChecks(home)[0];
    assert.equal(garbage.status, "FAIL");
    assert.match(garbage.detail, /not a database/);
  }));

Deno.test("database: as the launcher runs doctor (named permissions, not -A), a checkpointed database is PASS with no side files", () =>
  withHome(async (home) => {
    // Right after `stop` or `uninstall --graceful`: the daemon's last close checkpointed the
    // database and deleted its -wal. Deno reads a `file:...?immutable=1` target as a relative
    // path unless every permission is granted, which the test runner's -A hid.
    const db = new DatabaseSync(`${home}/db.sqlite`);
    db.exec("PRAGMA journal_mode=WAL; CREATE TABLE t(v TEXT); INSERT INTO t VALUES ('a');");
    db.close();
    const script = await Deno.makeTempFile({ prefix: "hm-doctor-db-", suffix: ".ts" });
    try {
      const module = new URL("./_doctor_checks_state.ts", import.meta.url).href;
      await Deno.writeTextFile(
        script,
        `import { databaseChecks } from ${JSON.stringify(module)};\n` +
          `console.log(JSON.stringify(databaseChecks(Deno.args[0])[0]));\n`,
      );
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--quiet",
          "--config",
          new URL("../deno.json", import.meta.url).pathname,
          ...SOURCE_PERMISSIONS,
          script,
          home,
        ],
        cwd: "/",
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout);
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
      const integrity = JSON.parse(text);
      assert.equal(integrity.status, "PASS", integrity.detail);
      assert.equal(integrity.next, undefined);
    } finally {
      await Deno.remove(script);
    }
    assert.deepEqual([...Deno.readDirSync(home)].map((e) => e.name), ["db.sqlite"]);
  }));

Deno.test("spool: rows waiting is a WARN with the count", () =>
  withHome(async (home) => {
    await Deno.writeTextFile(`${home}/spool.jsonl`, '{"a":1}\n{"a":2}\n');
    const spool = databaseChecks(home)[1];
    assert.equal(spool.status, "WARN");
    assert.match(spool.detail, /^2 rows/);
  }));

Deno.test("disk: df -Pk on the home; WARN under 1 GiB, FAIL under 100 MiB", () =>
  withHome(async (home) => {
    const df = (kb: number) =>
      createRecordingRunner(() => ({
        stdout: `Filesystem 1024-blocks Used Available Capacity Mounted on\n` +
          `/dev/vda 264212084 22893796 ${kb} 22% /srv/my data\n`,
      }));
    let runner = df(80 * 1024 * 1024);
    let c = await diskCheck(home, { runner, os: "linux" });
    assert.equal(c.status, "PASS");
    assert.equal(c.detail, "80.0 GiB free on /srv/my data");
    assert.deepEqual(runner.lines(), [`df -Pk ${home}`]);
    c = await diskCheck(home, { runner: df(512 * 1024), os: "linux" });
    assert.equal(c.status, "WARN");
    c = await diskCheck(home, { runner: df(50 * 1024), os: "linux" });
    assert.equal(c.status, "FAIL");
    assert.match(c.detail, /^50 MiB free/);
    // A home that does not exist yet is measured at its nearest existing parent.
    runner = df(80 * 1024 * 1024);
    await diskCheck(`${home}/not/yet`, { runner, os: "linux" });
    assert.deepEqual(runner.lines(), [`df -Pk ${home}`]);
    const broken = createRecordingRunner(() => ({ code: 1, stderr: "df: no such file" }));
    assert.equal((await diskCheck(home, { runner: broken, os: "linux" })).status, "WARN");
    // The real df answers on this machine.
    const { createCommandRunner } = await import("../setup/mod.ts");
    const real = await diskCheck(home, { runner: createCommandRunner(), os: Deno.build.os });
    assert.match(real.detail, /free on \//);
  }));

Deno.test("login env: FAIL with the fix when the edge came back on another port than the recorded one", () =>
  withHome(async (home) => {
    assert.equal((await loginEnvCheck(home, readInstallState(home), 8081)).status, "SKIP");
    await Deno.writeTextFile(`${home}/install-mode`, "apps\n");
    await Deno.writeTextFile(`${home}/apps-managed`, "");
    const missing = await loginEnvCheck(home, readInstallState(home), 8081);
    assert.equal(missing.status, "FAIL");
    assert.match(missing.next ?? "", /^halton-meter init --apps/);
    const proxy = "http://127.0.0.1:8081";
    await Deno.writeTextFile(
      `${home}/login-env.json`,
      JSON.stringify({
        mode: "apps",
        env: { HTTPS_PROXY: proxy, HTTP_PROXY: proxy },
        shell_rc: true,
        target: { userHome: home },
        recorded_at: "2026-12-01T08:00:00.000Z",
      }),
    );
    const s = readInstallState(home);
    assert.equal((await loginEnvCheck(home, s, 8081)).status, "PASS");
    assert.equal((await loginEnvCheck(home, s, undefined)).status, "SKIP");
    const moved = await loginEnvCheck(home, s, 8082);
    assert.equal(moved.status, "FAIL");
    assert.match(moved.detail, /points at 127\.0\.0\.1:8081, but the edge is on 127\.0\.0\.1:8082/);
    assert.match(moved.next ?? "", /^halton-meter --role userenv .*open a new shell/);
  }));
