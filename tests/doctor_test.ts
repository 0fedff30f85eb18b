/**
 * `doctor` end to end: real roles started by `halton-meter start` (direct backend) in a
 * temporary HALTON_METER_HOME, then broken one layer at a time — stopped, API port taken by
 * another process, CA key world-readable, daemon killed, corrupt config, corrupt database —
 * with `main.ts doctor --json` checked against docs/doctor.schema.json each time.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { createDoctorDeps, runDoctor } from "../cli/doctor.ts";
import { trustHandshake } from "../cli/_trust_handshake.ts";
import {
  addCertifiBlock,
  type CommandRunner,
  createCaTrust,
  createCertifiPatcher,
  createCommandRunner,
  createFileDeps,
  DEBIAN_CA_FILE,
  SOURCE_PERMISSIONS,
} from "../setup/mod.ts";
import { run } from "./_support/net.ts";
import { MAIN, startMain } from "./_support/role_process.ts";
import { loadJsonSchema, validateJsonSchema } from "./_support/json_schema.ts";
import { pidAlive, readRolePid, rolePids } from "./_support/processes.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const SCHEMA_PATH = new URL("../docs/doctor.schema.json", import.meta.url);

interface Check {
  id: string;
  layer: string;
  status: "PASS" | "WARN" | "FAIL" | "SKIP";
  detail: string;
  next?: string;
}
interface Report {
  version: string;
  ok: boolean;
  checks: Check[];
}

const schema = () => loadJsonSchema(SCHEMA_PATH);

function cli(home: string, ...args: string[]) {
  return run(Deno.execPath(), [
    "run",
    "-A",
    "--quiet",
    "--config",
    `${ROOT}deno.json`,
    MAIN,
    ...args,
  ], {
    HALTON_METER_HOME: home,
    NO_COLOR: "1",
  });
}

async function doctor(
  home: string,
): Promise<{ code: number; report: Report; byId: Record<string, Check> }> {
  const r = await cli(home, "doctor", "--json");
  let report: Report;
  try {
    report = JSON.parse(r.stdout) as Report;
  } catch {
    throw new Error(`doctor --json printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
  assert.deepEqual(validateJsonSchema(await schema(), report), []);
  assert.equal(r.code, report.ok ? 0 : 1, "exit code follows ok");
  assert.equal(report.ok, !report.checks.some((c) => c.status === "FAIL"));
  return { code: r.code, report, byId: Object.fromEntries(report.checks.map((c) => [c.id, c])) };
}

const failing = (rep: Report) => rep.checks.filter((c) => c.status === "FAIL").map((c) => c.id);

/**
 * Tests never touch the machine's trust store or Python installs, so a sandbox CA is untrusted
 * there: the handshake fails, and so do the trust-store and certifi checks where this machine
 * has them. Everything else must not fail.
 */
function assertOnlyMachineTrustFails(rep: Report): void {
  const f = failing(rep);
  assert.ok(f.includes("trust.handshake"), f.join(", "));
  assert.deepEqual(f.filter((id) => !/^(trust|certifi)\./.test(id)), [], f.join(", "));
}

async function waitDead(pid: number): Promise<void> {
  for (let i = 0; i < 250 && pidAlive(pid); i++) await new Promise((r) => setTimeout(r, 20));
}

Deno.test("the schema guards the documented shape", async () => {
  const s = await schema();
  assert.deepEqual([...(s.required ?? [])].sort(), ["checks", "ok", "version"]);
  assert.deepEqual([...(s.properties?.checks?.items?.required ?? [])].sort(), [
    "detail",
    "id",
    "layer",
    "status",
  ]);
  const good = {
    version: "1",
    ok: true,
    checks: [{ id: "ca.files", layer: "ca", status: "PASS", detail: "x" }],
  };
  assert.deepEqual(validateJsonSchema(s, good), []);
  const renamed = structuredClone(good) as Record<string, unknown>;
  renamed.passed = renamed.ok;
  delete renamed.ok;
  assert.match(validateJsonSchema(s, renamed).join("\n"), /\$\.ok: required/);
  const lower = structuredClone(good);
  lower.checks[0].status = "pass";
  assert.match(validateJsonSchema(s, lower).join("\n"), /status/);
  const noDetail = structuredClone(good) as { checks: Record<string, unknown>[] };
  delete noDetail.checks[0].detail;
  assert.match(validateJsonSchema(s, noDetail).join("\n"), /detail: required/);
});

Deno.test("doctor on a never-initialised home fails with init/start as next actions", async () => {
  const home = await Deno.makeTempDir({ prefix: "hm-doctor-empty-" });
  try {
    const { code, byId } = await doctor(home);
    assert.equal(code, 1);
    assert.equal(byId["ca.files"].status, "FAIL");
    assert.equal(byId["ca.files"].next, "halton-meter init");
    assert.equal(byId["process.edge"].next, "halton-meter start");
    assert.equal(byId["trust.handshake"].status, "SKIP");
    // doctor reads only: it created nothing in the home.
    assert.deepEqual([...Deno.readDirSync(home)], []);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("doctor as the launcher runs it, on a stopped daemon's checkpointed database: PASS, nothing created beside it", async () => {
  const home = await Deno.makeTempDir({ prefix: "hm-doctor-db-" });
  try {
    const db = new DatabaseSync(`${home}/db.sqlite`);
    db.exec("PRAGMA journal_mode=WAL; CREATE TABLE t(v TEXT); INSERT INTO t VALUES ('a');");
    db.close(); // checkpointed, -wal deleted: what stop and uninstall --graceful leave
    const r = await run(Deno.execPath(), [
      "run",
      "--quiet",
      ...SOURCE_PERMISSIONS,
      MAIN,
      "doctor",
      "--json",
    ], { HALTON_METER_HOME: home, NO_COLOR: "1" });
    const report = JSON.parse(r.stdout) as Report;
    const integrity = report.checks.find((c) => c.id === "database.integrity");
    assert.equal(integrity?.status, "PASS", integrity?.detail ?? r.stdout + r.stderr);
    // Neither the database check nor the policy view (daemon down: read from the database)
    // left -wal/-shm files.
    assert.deepEqual([...Deno.readDirSync(home)].map((e) => e.name), ["db.sqlite"]);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("doctor through healthy, stopped and broken states of a real install", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hm-doctor-e2e-" });
  const home = `${dir}/home`;
  await Deno.mkdir(home);
  await Deno.writeTextFile(
    `${home}/config.json`,
    JSON.stringify({ ports: { edge: 0, internal: 0, api: 0 } }),
  );
  const pids = new Set<number>();
  try {
    let r = await cli(home, "start");
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const role of ["edge", "daemon", "watchdog"]) pids.add(await readRolePid(home, role));

    // Healthy. The sandbox CA is not in this machine's trust store (tests never touch it),
    // so the real handshake is the one FAIL, and it says so.
    let d = await doctor(home);
    assertOnlyMachineTrustFails(d.report);
    assert.match(d.byId["trust.handshake"].detail, /curl \(exit 60\)/);
    for (
      const id of [
        "config.parse",
        "ca.files",
        "ca.permissions",
        "ca.certificate",
        "ca.expiry",
        "ca.key-match",
        "bundle.ca-bundle",
        "service.edge",
        "service.daemon",
        "process.edge",
        "process.daemon",
        "process.watchdog",
        "port.edge",
        "port.internal",
        "port.api",
        "daemon.store",
        "api.token",
        "api.auth",
        "database.integrity",
        "disk.free",
      ]
    ) assert.equal(d.byId[id]?.status, "PASS", `${id}: ${d.byId[id]?.detail}`);
    const daemonPid = await readRolePid(home, "daemon");
    assert.match(
      d.byId["port.api"].detail,
      new RegExp(`held by the daemon \\(pid ${daemonPid}\\)`),
    );

    // The same install on a machine that trusts the CA: exit 0. Real modules, sandboxed
    // targets: curl is handed the CA (what the OS store does after init), the trust store is
    // a Debian layout in the sandbox, certifi is a bundle with our block behind a python3.
    const caPem = await Deno.readTextFile(`${home}/ca/halton-meter-ca.pem`);
    const store = `${dir}/trust`;
    await Deno.mkdir(`${store}/local`, { recursive: true });
    await Deno.writeTextFile(`${store}/local/${DEBIAN_CA_FILE}`, caPem);
    await Deno.writeTextFile(`${store}/ca-certificates.crt`, caPem);
    await Deno.mkdir(`${dir}/py`);
    await Deno.writeTextFile(`${dir}/py/cacert.pem`, addCertifiBlock("# roots\n", caPem));
    await Deno.writeTextFile(`${dir}/py/python3`, `#!/bin/sh\necho ${dir}/py/cacert.pem\n`);
    await Deno.chmod(`${dir}/py/python3`, 0o755);
    const real = createCommandRunner();
    const files = createFileDeps();
    const caTrust = createCaTrust({
      os: "linux",
      runner: real,
      files,
      userHome: dir,
      isRoot: false,
      nonInteractive: true,
      linuxFamily: "debian",
      paths: {
        debianLocalDir: `${store}/local`,
        debianBundle: `${store}/ca-certificates.crt`,
        nssDb: `${store}/no-nssdb`,
      },
    });
    const certifi = createCertifiPatcher({
      runner: real,
      files,
      env: { PATH: `${dir}/py`, HOME: dir },
      isRoot: false,
      os: "linux",
    });
    const deps = await createDoctorDeps(home, {
      caTrust,
      certifi,
      launch: { execPath: Deno.execPath(), mainModule: MAIN, compiled: false },
    });
    const trusting: CommandRunner = {
      run: (cmd, args, opts) =>
        real.run(
          cmd,
          args.includes("curl")
            ? [...args.slice(0, -1), "--cacert", `${home}/ca/halton-meter-ca.pem`, args.at(-1)!]
            : args,
          opts,
        ),
    };
    const lines: string[] = [];
    const code = await runDoctor({
      home,
      json: false,
      deps: {
        ...deps,
        trustHandshake: (ca) => trustHandshake(ca, { runner: trusting, os: deps.os }),
      },
      print: (l) => lines.push(l),
    });
    const text = lines.join("\n");
    assert.equal(code, 0, text);
    assert.match(text, /PASS {2}trust\.handshake +curl verified a leaf/);
    assert.match(text, /PASS {2}trust\.store +present in debian/);
    assert.match(text, /PASS {2}certifi\..*\/py\/python3 +.*cacert\.pem holds our CA/);

    // status agrees with doctor where they overlap.
    const st = JSON.parse((await cli(home, "status", "--json")).stdout);
    assert.equal(st.daemon.state, "healthy");
    assert.equal(st.daemon.pid, daemonPid);

    // CA key world-readable.
    await Deno.chmod(`${home}/ca/halton-meter-ca-key.pem`, 0o644);
    d = await doctor(home);
    assert.equal(d.byId["ca.permissions"].status, "FAIL");
    assert.equal(
      d.byId["ca.permissions"].next,
      `chmod 600 ${home}/ca/halton-meter-ca-key.pem && chmod 700 ${home}/ca`,
    );
    await Deno.chmod(`${home}/ca/halton-meter-ca-key.pem`, 0o600);

    // Stopped on purpose: a warning, not a failure; the edge still holds its port.
    r = await cli(home, "stop");
    assert.equal(r.code, 0, r.stdout + r.stderr);
    await waitDead(daemonPid);
    d = await doctor(home);
    assertOnlyMachineTrustFails(d.report);
    assert.equal(d.byId["process.daemon"].status, "WARN");
    assert.equal(d.byId["process.daemon"].next, "halton-meter start");
    assert.equal(d.byId["process.watchdog"].status, "PASS");
    assert.equal(d.byId["port.edge"].status, "PASS");
    assert.equal(d.byId["port.api"].status, "SKIP");
    assert.equal(d.byId["database.integrity"].status, "PASS");

    // The API port taken by another process (this test): FAIL naming the holder.
    const apiPort = JSON.parse(await Deno.readTextFile(`${home}/effective-ports.json`)).api;
    const squatter = Deno.listen({ hostname: "127.0.0.1", port: apiPort });
    try {
      d = await doctor(home);
      assert.equal(d.byId["port.api"].status, "FAIL");
      assert.match(d.byId["port.api"].detail, new RegExp(`held by pid ${Deno.pid} \\(.*deno`));
      assert.match(d.byId["port.api"].next!, new RegExp(`^kill ${Deno.pid} `));
      const st2 = JSON.parse((await cli(home, "status", "--json")).stdout);
      assert.equal(st2.api.state, "inconsistent");
    } finally {
      squatter.close();
    }

    // A corrupt database file while the daemon is stopped (its -wal/-shm moved aside too:
    // a WAL that still holds every page would make the garbage file read fine).
    await Deno.mkdir(`${dir}/db-aside`);
    const dbFiles = [...Deno.readDirSync(home)].map((e) => e.name).filter((n) =>
      n.startsWith("db.sqlite")
    );
    for (const n of dbFiles) await Deno.rename(`${home}/${n}`, `${dir}/db-aside/${n}`);
    await Deno.writeTextFile(`${home}/db.sqlite`, "garbage, not SQLite ".repeat(400));
    d = await doctor(home);
    assert.equal(d.byId["database.integrity"].status, "FAIL");
    assert.match(d.byId["database.integrity"].detail, /not a database/);
    assert.match(d.byId["database.integrity"].next!, /halton-meter stop && mv /);
    for (const n of dbFiles) await Deno.rename(`${dir}/db-aside/${n}`, `${home}/${n}`);

    // Started again, then the daemon killed outright (watchdog first, or it would revive it).
    r = await cli(home, "start");
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const second = await readRolePid(home, "daemon");
    const watchdog = await readRolePid(home, "watchdog");
    pids.add(second).add(watchdog);
    Deno.kill(watchdog, "SIGTERM");
    await waitDead(watchdog);
    Deno.kill(second, "SIGKILL");
    await waitDead(second);
    d = await doctor(home);
    assert.equal(d.byId["process.daemon"].status, "FAIL");
    assert.match(d.byId["process.daemon"].detail, /exited or was killed/);
    assert.match(d.byId["process.daemon"].next!, /^halton-meter start/);
    assert.equal(d.byId["process.watchdog"].status, "WARN");

    // A config with a misspelt key.
    await Deno.writeTextFile(`${home}/config.json`, JSON.stringify({ ports: { edgee: 1 } }));
    d = await doctor(home);
    assert.equal(d.byId["config.parse"].status, "FAIL");
    assert.match(d.byId["config.parse"].detail, /"ports\.edgee"/);
    assert.ok(d.byId["config.parse"].detail.includes(`${home}/config.json`));
  } finally {
    for (const pid of await rolePids(home, ["edge", "daemon", "watchdog"])) pids.add(pid);
    for (const pid of pids) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch { /* gone */ }
    }
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("doctor on roles run by halton-meter up: no service entries or watchdog, the rest passes", async () => {
  const home = await Deno.makeTempDir({ prefix: "hm-doctor-up-" });
  await Deno.writeTextFile(
    `${home}/config.json`,
    JSON.stringify({ ports: { edge: 0, internal: 0, api: 0 } }),
  );
  const up = await startMain(["up"], home, { ready: /NODE_EXTRA_CA_CERTS/ });
  try {
    const d = await doctor(home);
    assertOnlyMachineTrustFails(d.report);
    assert.equal(d.byId["service.entries"].status, "WARN");
    assert.equal(d.byId["install.mode"].status, "WARN");
    for (const id of ["process.edge", "process.daemon", "port.edge", "port.internal", "api.auth"]) {
      assert.equal(d.byId[id].status, "PASS", `${id}: ${d.byId[id].detail}`);
    }
  } finally {
    await up.stop();
    await Deno.remove(home, { recursive: true });
  }
});
