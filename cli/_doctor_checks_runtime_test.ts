import assert from "node:assert/strict";
import { daemonChecks, portChecks, processChecks } from "./_doctor_checks_runtime.ts";
import { readInstallState } from "./_install_state.ts";
import type { PortOwner } from "./_port_owner.ts";
import type { HttpProbe } from "./_probes.ts";
import { storeRow } from "./_store_row.ts";
import { exportRow } from "./_export_row.ts";
import type { ComponentState, StatusReport } from "./status.ts";
import { withTempHome } from "../tests/_support/temp_home.ts";

const PORTS = { edge: 18081, internal: 18090, api: 18765 };

function report(
  over: { edge?: [ComponentState, number | null]; daemon?: [ComponentState, number | null] } = {},
): StatusReport {
  const [es, ep] = over.edge ?? ["healthy", 100];
  const [ds, dp] = over.daemon ?? ["healthy", 200];
  const c = (state: ComponentState) => ({ state, detail: `${state} detail` });
  return {
    version: "0",
    install_mode: "apps",
    supervisor: "direct",
    daemon: { ...c(ds), pid: dp, label: "run/daemon.pid" },
    watchdog: { ...c(ds === "healthy" ? "healthy" : "stopped"), pid: 300, label: "w" },
    edge: { ...c(es), pid: ep, port: PORTS.edge },
    userenv: { state: "unused", detail: "not used in env-only mode" },
    mitm_listener: { ...c(ds === "healthy" ? "healthy" : "unbound"), port: PORTS.internal },
    api: { ...c(ds === "healthy" ? "healthy" : "unbound"), port: PORTS.api },
    store: storeRow(null),
    export: exportRow(null),
    ports: PORTS,
    system_proxy: { state: "off", detail: "" },
    sentinels: { ...c("healthy"), proxy_managed: false, apps_managed: true, graceful_stop: false },
    policy: {
      state: "none",
      detail: "no policy.json: every call allowed",
      enforced: true,
      rules: 0,
      budgets: 0,
      quota: 0,
      budgets_near: 0,
      budgets_over: 0,
      error: null,
    },
  };
}

const withHome = (fn: (home: string) => Promise<void>) => withTempHome("hm-doctor-rt-", fn);

Deno.test("processes: a killed daemon is FAIL, a stopped one (graceful-stop) WARN, a dead edge FAIL", () =>
  withHome(async (home) => {
    const ids = (r: StatusReport) =>
      processChecks(r, readInstallState(home), `${home}/logs`).map((c) => `${c.id}=${c.status}`);
    assert.deepEqual(ids(report()), [
      "process.edge=PASS",
      "process.daemon=PASS",
      "process.watchdog=PASS",
    ]);
    const killed = processChecks(
      report({ daemon: ["stopped", null] }),
      readInstallState(home),
      `${home}/logs`,
    );
    assert.equal(killed[1].status, "FAIL");
    assert.match(killed[1].detail, /exited or was killed/);
    assert.match(killed[1].next ?? "", /^halton-meter start/);
    assert.equal(killed[2].status, "WARN");
    await Deno.writeTextFile(`${home}/graceful-stop`, "");
    assert.deepEqual(ids(report({ daemon: ["stopped", null] })), [
      "process.edge=PASS",
      "process.daemon=WARN",
      "process.watchdog=PASS",
    ]);
    assert.equal(ids(report({ edge: ["stopped", null] }))[0], "process.edge=FAIL");
    assert.equal(ids(report({ daemon: ["inconsistent", null] }))[1], "process.daemon=FAIL");
  }));

Deno.test("ports: held by the expected pid PASS; by a foreign process FAIL naming it; free", () =>
  withHome(async (home) => {
    const owners: Record<number, PortOwner> = {
      [PORTS.edge]: { kind: "held", pids: [100], commands: ["pid 100 (deno)"] },
      [PORTS.internal]: { kind: "held", pids: [200], commands: ["pid 200 (deno)"] },
      [PORTS.api]: { kind: "held", pids: [999], commands: ["pid 999 (python3 -m http.server)"] },
    };
    const likelyAsked: number[][] = [];
    const deps = {
      os: "linux",
      probeHttp: (): Promise<HttpProbe> => Promise.resolve({ kind: "refused" }),
      portOwner: (port: number, likely: readonly number[]) => {
        likelyAsked.push([...likely]);
        return Promise.resolve(owners[port] ?? { kind: "free" as const });
      },
    };
    let out = await portChecks(home, PORTS, report(), deps);
    assert.deepEqual(out.map((c) => `${c.id}=${c.status}`), [
      "port.edge=PASS",
      "port.internal=PASS",
      "port.api=FAIL",
    ]);
    assert.deepEqual(likelyAsked[0], [100]);
    assert.match(out[2].detail, /held by pid 999 \(python3 -m http\.server\); not the daemon/);
    assert.match(out[2].next ?? "", /^kill 999 {2}# or set ports\.api in .*config\.json/);

    // Daemon stopped: its free ports are SKIP, a foreign holder is still FAIL.
    owners[PORTS.internal] = { kind: "free" };
    out = await portChecks(home, PORTS, report({ daemon: ["stopped", null] }), deps);
    assert.deepEqual(out.map((c) => c.status), ["PASS", "SKIP", "FAIL"]);
    assert.match(out[2].next ?? "", /then halton-meter start$/);

    // Edge alive but its port free; and nothing recorded at all.
    owners[PORTS.edge] = { kind: "free" };
    out = await portChecks(home, PORTS, report(), deps);
    assert.equal(out[0].status, "FAIL");
    assert.match(out[0].detail, /not held, though the edge \(pid 100\) is alive/);
    out = await portChecks(home, {}, report(), deps);
    assert.deepEqual(out.map((c) => `${c.id}=${c.status}`), ["port.all=FAIL"]);
  }));

function answer(status: number, body: unknown): HttpProbe {
  const text = JSON.stringify(body);
  return {
    kind: "answered",
    status,
    text: `HTTP/1.1 ${status} X\r\ncontent-length: ${text.length}\r\n\r\n${text}`,
  };
}

Deno.test("daemon store and API token: degraded store WARN, loose token FAIL, rejected token FAIL", () =>
  withHome(async (home) => {
    const token = "a".repeat(64);
    await Deno.writeTextFile(`${home}/api-token`, `${token}\n`, { mode: 0o600 });
    await Deno.chmod(`${home}/api-token`, 0o600);
    const seen: { path: string; headers?: Record<string, string> }[] = [];
    let store: unknown = { state: "ok", queued: 0, spooled: 0, dropped: 0 };
    let accept = true;
    const deps = {
      os: "linux",
      portOwner: () => Promise.resolve({ kind: "free" as const }),
      probeHttp: (_port: number, path: string, headers?: Record<string, string>) => {
        seen.push({ path, headers });
        const ok = accept && headers?.Authorization === `Bearer ${token}`;
        return Promise.resolve(answer(ok ? 200 : 401, ok ? { calls: [] } : { error: "no" }));
      },
    };
    // The store check judges the /health answer status read; it does not ask again.
    const withStore = () => ({
      ...report(),
      store: storeRow(answer(200, { status: "ok", store })),
    });
    let out = await daemonChecks(home, PORTS, withStore(), deps);
    assert.deepEqual(out.map((c) => `${c.id}=${c.status}`), [
      "daemon.store=PASS",
      "api.token=PASS",
      "api.auth=PASS",
    ]);
    assert.equal(seen[0].path, "/v1/calls?limit=1");

    store = {
      state: "degraded",
      reason: "database is locked (SQLITE_BUSY)",
      spooled: 7,
      dropped: 0,
    };
    accept = false;
    await Deno.chmod(`${home}/api-token`, 0o644);
    out = await daemonChecks(home, PORTS, withStore(), deps);
    assert.deepEqual(out.map((c) => c.status), ["WARN", "FAIL", "FAIL"]);
    assert.match(out[0].detail, /SQLITE_BUSY.*7 rows in the spool/);
    assert.equal(out[1].next, `chmod 600 ${home}/api-token`);
    assert.match(out[2].detail, /HTTP 401/);

    // Daemon down: nothing to ask, and a missing token is only a warning.
    await Deno.remove(`${home}/api-token`);
    out = await daemonChecks(home, PORTS, report({ daemon: ["stopped", null] }), deps);
    assert.deepEqual(out.map((c) => c.status), ["SKIP", "WARN", "SKIP"]);
  }));
