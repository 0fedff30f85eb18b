import assert from "node:assert/strict";
import {
  createFileDeps,
  createProcessDeps,
  createRecordingRunner,
  createServiceSpec,
  directBackend,
  encodeTaskXml,
  type LaunchContext,
  systemdBackend,
  taskSchedulerBackend,
} from "../setup/mod.ts";
import { serviceChecks } from "./_doctor_checks_service.ts";
import { withTempHome } from "../tests/_support/temp_home.ts";

const LAUNCH: LaunchContext = {
  execPath: "/opt/deno/bin/deno",
  mainModule: "file:///src/halton-meter/main.ts",
  compiled: false,
};
const OTHER: LaunchContext = {
  execPath: "/usr/local/bin/halton-meter",
  mainModule: "",
  compiled: true,
};

const withHome = (fn: (home: string) => Promise<void>) => withTempHome("hm-doctor-svc-", fn);

const statuses = (checks: { id: string; status: string }[]) =>
  checks.map((c) => `${c.id}=${c.status}`);

Deno.test("direct backend: stored spec vs this binary", () =>
  withHome(async (home) => {
    const backend = directBackend({ home, files: createFileDeps(), proc: createProcessDeps() });
    let out = serviceChecks(home, { backend, launch: LAUNCH });
    assert.deepEqual(statuses(out), ["service.entries=WARN"]);
    assert.match(out[0].next ?? "", /^halton-meter init/);

    await Deno.mkdir(`${home}/run`);
    const spec = createServiceSpec({ home, launch: LAUNCH });
    await Deno.writeTextFile(`${home}/run/direct-spec.json`, JSON.stringify(spec));
    out = serviceChecks(home, { backend, launch: LAUNCH });
    assert.deepEqual(statuses(out), [
      "service.edge=PASS",
      "service.daemon=PASS",
      "service.watchdog=PASS",
      "service.userenv=PASS",
    ]);
    assert.match(out[1].detail, /\/src\/halton-meter\/main\.ts --role daemon$/);

    // Installed by another copy: every role points elsewhere.
    out = serviceChecks(home, { backend, launch: OTHER });
    assert.deepEqual(out.map((c) => c.status), ["FAIL", "FAIL", "FAIL", "FAIL"]);
    assert.match(out[0].detail, /not this binary \(\/usr\/local\/bin\/halton-meter --role edge\)/);

    await Deno.writeTextFile(`${home}/run/direct-spec.json`, "{");
    assert.deepEqual(statuses(serviceChecks(home, { backend, launch: LAUNCH })), [
      "service.entries=FAIL",
    ]);
    await Deno.writeTextFile(`${home}/run/direct-spec.json`, JSON.stringify({ home }));
    const bad = serviceChecks(home, { backend, launch: LAUNCH });
    assert.equal(bad[0].status, "FAIL");
    assert.match(bad[0].detail, /direct-spec\.json: "logDir"/);
    const full = serviceChecks(home, {
      backend,
      launch: LAUNCH,
      initCommand: "halton-meter init --full",
    });
    assert.match(full[0].next ?? "", /^halton-meter init --full {2}# rewrites the service entries/);
  }));

Deno.test("systemd: unit files compared with what this build renders", () =>
  withHome(async (home) => {
    const unitDir = `${home}/units`;
    const backend = systemdBackend({
      runner: createRecordingRunner(),
      files: createFileDeps(),
      unitDir,
    });
    let out = serviceChecks(home, { backend, launch: LAUNCH });
    assert.deepEqual(out.map((c) => c.status), ["FAIL", "FAIL", "FAIL", "FAIL"]);
    assert.match(out[0].detail, /halton-meter-edge\.service is missing|is missing/);

    await Deno.mkdir(unitDir);
    const spec = createServiceSpec({ home, launch: LAUNCH });
    for (const role of ["edge", "daemon", "watchdog", "userenv"] as const) {
      const e = backend.entryFile(spec, role)!;
      await Deno.writeTextFile(e.path, e.content);
    }
    out = serviceChecks(home, { backend, launch: LAUNCH });
    assert.deepEqual(out.map((c) => c.status), ["PASS", "PASS", "PASS", "PASS"]);

    const daemon = backend.entryFile(spec, "daemon")!;
    await Deno.writeTextFile(daemon.path, daemon.content + "\n# edited by hand\n");
    out = serviceChecks(home, { backend, launch: LAUNCH });
    assert.equal(out[1].status, "WARN");

    const other = backend.entryFile(createServiceSpec({ home, launch: OTHER }), "edge")!;
    await Deno.writeTextFile(other.path, other.content);
    out = serviceChecks(home, { backend, launch: LAUNCH });
    assert.equal(out[0].status, "FAIL");
    assert.match(out[0].detail, /does not run this binary/);
  }));

Deno.test("Task Scheduler: UTF-16 XML is decoded before comparing", () =>
  withHome(async (home) => {
    const taskDir = `${home}/service`;
    await Deno.mkdir(taskDir);
    const backend = taskSchedulerBackend({
      runner: createRecordingRunner(),
      files: createFileDeps(),
      taskDir,
    });
    const spec = createServiceSpec({ home, launch: LAUNCH, user: "HOST\\dev" });
    for (const role of ["edge", "daemon", "watchdog", "userenv"] as const) {
      const e = backend.entryFile(spec, role)!;
      await Deno.writeFile(e.path, encodeTaskXml(e.content));
    }
    const out = serviceChecks(home, { backend, launch: LAUNCH, serviceUser: "HOST\\dev" });
    assert.deepEqual(out.map((c) => c.status), ["PASS", "PASS", "PASS", "PASS"]);
    // Without the account the entry cannot be rendered: said, not thrown.
    const noUser = serviceChecks(home, { backend, launch: LAUNCH });
    assert.equal(noUser[0].status, "SKIP");
  }));
