/**
 * `status`: the JSON contract (docs/status.schema.json) checked against real output of a
 * running edge and daemon, and the states for the broken cases (listener held by another
 * process, process alive but silent, nothing running).
 */
import assert from "node:assert/strict";
import { collectDoctor, createDoctorDeps } from "../cli/doctor.ts";
import { collectStatus, runStatus, type StatusDeps } from "../cli/status.ts";
import { isPidAlive, probeHttp } from "../cli/status.ts";
import { readEffectivePorts } from "../core/mod.ts";
import { createFileDeps, createProcessDeps, directBackend } from "../setup/mod.ts";
import { freePort } from "./_support/net.ts";
import { MAIN, type RoleProcess, startMain } from "./_support/role_process.ts";
import { loadJsonSchema, validateJsonSchema } from "./_support/json_schema.ts";

const SCHEMA_PATH = new URL("../docs/status.schema.json", import.meta.url);

const loadSchema = () => loadJsonSchema(SCHEMA_PATH);

function realDeps(home: string): StatusDeps {
  const proc = { ...createProcessDeps(), isAlive: isPidAlive };
  return {
    backend: directBackend({ home, files: createFileDeps(), proc }),
    isAlive: isPidAlive,
    probeHttp: (port, path) => probeHttp(port, path),
    os: Deno.build.os,
  };
}

async function statusJson(home: string, deps: StatusDeps): Promise<Record<string, unknown>> {
  const lines: string[] = [];
  const code = await runStatus({ home, json: true, deps, print: (l) => lines.push(l) });
  assert.equal(code, 0);
  return JSON.parse(lines.join("\n"));
}

Deno.test("the schema requires every field of the documented JSON shape", async () => {
  const schema = await loadSchema();
  assert.deepEqual(
    [...(schema.required ?? [])].sort(),
    ["daemon", "edge", "install_mode", "ports", "sentinels", "system_proxy", "version", "watchdog"],
  );
  const req = (k: string) => [...(schema.properties?.[k]?.required ?? [])].sort();
  assert.deepEqual(req("daemon"), ["label", "pid", "state"]);
  assert.deepEqual(req("watchdog"), ["pid", "state"]);
  assert.deepEqual(req("edge"), ["pid", "port", "state"]);
  assert.deepEqual(req("ports"), ["api", "edge", "internal"]);
  assert.deepEqual(req("system_proxy"), ["state"]);
  assert.deepEqual(req("sentinels"), ["apps_managed", "proxy_managed"]);
});

Deno.test("status --json of a running edge and daemon is healthy and matches the schema", async () => {
  const home = await Deno.makeTempDir({ prefix: "hm-status-" });
  await Deno.writeTextFile(
    `${home}/config.json`,
    JSON.stringify({ ports: { edge: 0, internal: 0, api: 0 } }),
  );
  await Deno.writeTextFile(`${home}/install-mode`, "apps\n");
  await Deno.writeTextFile(`${home}/apps-managed`, "");
  const procs: RoleProcess[] = [];
  try {
    procs.push(await startMain(["--role", "edge"], home));
    procs.push(await startMain(["--role", "daemon"], home));
    const [edge, daemon] = procs;
    const out = await statusJson(home, realDeps(home));
    const schema = await loadSchema();
    assert.deepEqual(validateJsonSchema(schema, out), []);

    const ports = readEffectivePorts(`${home}/effective-ports.json`);
    assert.deepEqual(out.ports, { edge: ports.edge, internal: ports.internal, api: ports.api });
    assert.equal(out.install_mode, "apps");
    assert.deepEqual(
      { ...(out.daemon as object), detail: undefined },
      { state: "healthy", pid: daemon.pid, label: "run/daemon.pid", detail: undefined },
    );
    assert.equal((out.edge as { state: string }).state, "healthy");
    assert.equal((out.edge as { pid: number }).pid, edge.pid);
    assert.equal((out.edge as { port: number }).port, edge.port);
    assert.equal((out.api as { state: string }).state, "healthy");
    assert.equal((out.mitm_listener as { state: string }).state, "healthy");
    assert.deepEqual((out.system_proxy as { state: string }).state, "off");
    assert.equal((out.sentinels as { apps_managed: boolean }).apps_managed, true);
    assert.equal((out.sentinels as { proxy_managed: boolean }).proxy_managed, false);

    // The guard can fail: a removed or renamed field is caught.
    const removed = structuredClone(out);
    delete (removed.daemon as Record<string, unknown>).label;
    assert.match(validateJsonSchema(schema, removed).join("\n"), /\$\.daemon\.label: required/);
    const renamed = structuredClone(out);
    renamed.installMode = renamed.install_mode;
    delete renamed.install_mode;
    assert.match(validateJsonSchema(schema, renamed).join("\n"), /\$\.install_mode: required/);
    const badState = structuredClone(out);
    (badState.edge as Record<string, unknown>).state = "up";
    assert.match(validateJsonSchema(schema, badState).join("\n"), /\$\.edge\.state/);

    // The table carries the same states.
    const lines: string[] = [];
    await runStatus({ home, json: false, deps: realDeps(home), print: (l) => lines.push(l) });
    assert.equal(lines[0], "halton-meter v0.1.0 · status");
    assert.match(lines.join("\n"), new RegExp(`daemon +healthy +PID ${daemon.pid}`));
    assert.match(lines.join("\n"), /api listener +healthy/);
    assert.match(lines.join("\n"), /store +ok +writing rows to the database/);
    assert.equal((out.store as { state: string }).state, "ok");
  } finally {
    for (const p of procs) await p.stop("SIGKILL");
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("a corrupt database: status shows the store degraded while /v1/calls answers 503; doctor fails it", async () => {
  const home = await Deno.makeTempDir({ prefix: "hm-status-corrupt-" });
  await Deno.writeTextFile(
    `${home}/config.json`,
    JSON.stringify({ ports: { edge: 0, internal: 0, api: 0 } }),
  );
  await Deno.writeTextFile(`${home}/db.sqlite`, "this is not a database ".repeat(400));
  const procs: RoleProcess[] = [];
  try {
    procs.push(await startMain(["--role", "edge"], home));
    procs.push(await startMain(["--role", "daemon"], home));
    const ports = readEffectivePorts(`${home}/effective-ports.json`);
    const token = (await Deno.readTextFile(`${home}/api-token`)).trim();
    const calls = await fetch(`http://127.0.0.1:${ports.api}/v1/calls`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(calls.status, 503);
    await calls.body?.cancel();

    const out = await statusJson(home, realDeps(home));
    assert.deepEqual(validateJsonSchema(await loadSchema(), out), []);
    assert.equal((out.daemon as { state: string }).state, "healthy", "the process itself is fine");
    const store = out.store as Record<string, unknown>;
    assert.equal(store.state, "degraded");
    assert.equal(store.cause, "corrupt");
    assert.match(String(store.reason), /not a database/);
    assert.match(String(store.detail), /^database corrupt: .*see halton-meter doctor$/);
    const lines: string[] = [];
    await runStatus({ home, json: false, deps: realDeps(home), print: (l) => lines.push(l) });
    assert.match(lines.join("\n"), /\nstore +degraded +database corrupt: /);

    const doctor = await collectDoctor(
      home,
      await createDoctorDeps(home, {
        launch: { execPath: Deno.execPath(), mainModule: MAIN, compiled: false },
      }),
    );
    const check = doctor.checks.find((c) => c.id === "daemon.store")!;
    assert.equal(check.status, "FAIL", check.detail);
    assert.match(check.detail, /store degraded \(database corrupt\)/);
    assert.match(check.next ?? "", /mv .*db\.sqlite .*db\.sqlite\.corrupt/);
  } finally {
    for (const p of procs) await p.stop("SIGKILL");
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("a port held by another process is inconsistent; nothing running is stopped/unbound", async () => {
  const home = await Deno.makeTempDir({ prefix: "hm-status-" });
  const foreign = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response("not halton\n"),
  );
  try {
    const internal = freePort();
    await Deno.writeTextFile(
      `${home}/effective-ports.json`,
      JSON.stringify({ edge: freePort(), internal, api: foreign.addr.port }),
    );
    const out = await collectStatus(home, realDeps(home));
    assert.equal(out.api.state, "inconsistent");
    assert.match(out.api.detail, /another process/);
    assert.equal(out.mitm_listener.state, "unbound");
    assert.equal(out.daemon.state, "stopped");
    assert.equal(out.daemon.pid, null);
    assert.equal(out.edge.state, "stopped");
    assert.equal(out.watchdog.state, "stopped");
    assert.equal(out.install_mode, "none");
    assert.deepEqual(validateJsonSchema(await loadSchema(), out), []);
  } finally {
    await foreign.shutdown();
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("a live daemon pid whose ports do not answer is unbound; sentinels off-mode are inconsistent", async () => {
  const home = await Deno.makeTempDir({ prefix: "hm-status-" });
  try {
    await Deno.mkdir(`${home}/run`);
    await Deno.writeTextFile(`${home}/run/daemon.pid`, "4242\n");
    await Deno.writeTextFile(`${home}/effective-ports.json`, '{"internal":9,"api":10}');
    await Deno.writeTextFile(`${home}/proxy-managed`, "");
    const deps: StatusDeps = {
      backend: null,
      isAlive: (pid) => pid === 4242,
      probeHttp: () => Promise.resolve({ kind: "refused" }),
      os: "linux",
    };
    const out = await collectStatus(home, deps);
    assert.equal(out.daemon.state, "unbound");
    assert.equal(out.daemon.pid, 4242);
    assert.equal(out.mitm_listener.state, "unbound");
    assert.equal(out.sentinels.state, "inconsistent");
    assert.equal(out.sentinels.proxy_managed, true);
    assert.equal(out.edge.port, null);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
