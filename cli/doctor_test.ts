import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { ensureCa, writeCaBundle } from "../daemon/certs/mod.ts";
import { createRecordingRunner } from "../setup/mod.ts";
import type { PortOwner } from "./_port_owner.ts";
import type { HttpProbe } from "./_probes.ts";
import { collectDoctor, type DoctorDeps, renderDoctor, runDoctor } from "./doctor.ts";

const PORTS = { edge: 18081, internal: 18090, api: 18765 };
const PIDS = { edge: 4100, daemon: 4200, watchdog: 4300 };
const TOKEN = "f".repeat(64);

function http(status: number, body: unknown): HttpProbe {
  const text = JSON.stringify(body);
  return { kind: "answered", status, text: `HTTP/1.1 ${status} OK\r\n\r\n${text}` };
}

/** A home as a healthy apps-mode install leaves it. */
async function healthyHome(): Promise<string> {
  const home = await Deno.makeTempDir({ prefix: "hm-doctor-" });
  await ensureCa(home);
  await writeCaBundle(home, "");
  await Deno.writeTextFile(`${home}/config.json`, JSON.stringify({ ports: PORTS }));
  await Deno.writeTextFile(`${home}/effective-ports.json`, JSON.stringify(PORTS));
  await Deno.writeTextFile(`${home}/install-mode`, "apps\n");
  await Deno.writeTextFile(`${home}/apps-managed`, "");
  const proxy = `http://127.0.0.1:${PORTS.edge}`;
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
  await Deno.writeTextFile(`${home}/api-token`, `${TOKEN}\n`, { mode: 0o600 });
  await Deno.mkdir(`${home}/run`);
  for (const [role, pid] of Object.entries(PIDS)) {
    await Deno.writeTextFile(`${home}/run/${role}.pid`, `${pid}\n`);
  }
  const db = new DatabaseSync(`${home}/db.sqlite`);
  db.exec("CREATE TABLE calls(id INTEGER PRIMARY KEY)");
  db.close();
  return home;
}

function fakeDeps(
  owners: Record<number, PortOwner> = {},
  store: Record<string, unknown> = { state: "ok", queued: 0, spooled: 0, dropped: 0 },
): DoctorDeps {
  return {
    backend: null,
    isAlive: (pid) => Object.values(PIDS).includes(pid),
    probeHttp: (port, path, headers) => {
      if (path === "/health") {
        if (port === PORTS.edge) {
          return Promise.resolve(http(200, { role: "edge", pid: PIDS.edge }));
        }
        return Promise.resolve(http(200, {
          role: "daemon",
          pid: PIDS.daemon,
          store,
        }));
      }
      const ok = headers?.Authorization === `Bearer ${TOKEN}`;
      return Promise.resolve(http(ok ? 200 : 401, {}));
    },
    runner: createRecordingRunner(() => ({
      stdout:
        "Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/x 1 1 52428800 1% /\n",
    })),
    os: "linux",
    now: Date.now,
    launch: { execPath: "/bin/deno", mainModule: "file:///src/main.ts", compiled: false },
    portOwner: (port) =>
      Promise.resolve(
        owners[port] ?? {
          kind: "held",
          pids: [port === PORTS.edge ? PIDS.edge : PIDS.daemon],
          commands: [],
        },
      ),
    trustHandshake: () => Promise.resolve({ kind: "verified", tool: "curl", detail: "verified" }),
  };
}

Deno.test("a healthy install: no FAIL, exit 0, every layer reported in order", async () => {
  const home = await healthyHome();
  try {
    const r = await collectDoctor(home, fakeDeps());
    const bad = r.checks.filter((c) => c.status === "FAIL" || c.status === "WARN");
    assert.deepEqual(bad, []);
    assert.equal(r.ok, true);
    const layers = [...new Set(r.checks.map((c) => c.layer))];
    assert.deepEqual(layers, [
      "config",
      "ca",
      "trust",
      "certifi",
      "bundle",
      "service",
      "process",
      "port",
      "daemon",
      "api",
      "install",
      "system-proxy",
      "database",
      "disk",
      "policy",
    ]);
    const lines: string[] = [];
    assert.equal(
      await runDoctor({ home, json: false, deps: fakeDeps(), print: (l) => lines.push(l) }),
      0,
    );
    assert.equal(lines[0], "halton-meter v0.1.0 · doctor");
    assert.match(lines.at(-1)!, /^\d+ passed, 0 warnings, 0 failed, \d+ skipped$/);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("one FAIL makes exit 1; its next action is printed under it and carried in JSON", async () => {
  const home = await healthyHome();
  try {
    const deps = fakeDeps({
      [PORTS.api]: { kind: "held", pids: [777], commands: ["pid 777 (nc -l 18765)"] },
    });
    const json: string[] = [];
    assert.equal(await runDoctor({ home, json: true, deps, print: (l) => json.push(l) }), 1);
    const out = JSON.parse(json.join("\n"));
    assert.equal(out.ok, false);
    const fail = out.checks.find((c: { id: string }) => c.id === "port.api");
    assert.equal(fail.status, "FAIL");
    assert.match(fail.next, /^kill 777/);
    for (const c of out.checks) {
      assert.equal("next" in c, c.status === "WARN" || c.status === "FAIL", c.id);
    }
    const text = renderDoctor(out);
    const i = text.findIndex((l) => l.startsWith("FAIL  port.api"));
    assert.match(text[i + 1], /^ +→ kill 777/);
    assert.match(text.at(-1)!, /1 failed/);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("warnings alone keep exit 0", async () => {
  const home = await healthyHome();
  try {
    // The daemon runs: its own count of spooled rows is what matters, not the file (which
    // also holds rows journaled a moment ago).
    await Deno.writeTextFile(`${home}/spool.jsonl`, "{}\n");
    const lines: string[] = [];
    const deps = fakeDeps({}, { state: "ok", queued: 0, spooled: 1, dropped: 0 });
    assert.equal(await runDoctor({ home, json: false, deps, print: (l) => lines.push(l) }), 0);
    assert.match(lines.join("\n"), /WARN {2}database\.spool/);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("doctor asks the system proxy and each /health once for status and its checks", async () => {
  const home = await healthyHome();
  try {
    const reads: number[] = [];
    const control = {
      backend: "gsettings",
      capture: () => Promise.reject(new Error("read only")),
      enable: () => Promise.reject(new Error("read only")),
      disable: () => Promise.reject(new Error("read only")),
      restore: () => Promise.reject(new Error("read only")),
      state: (port: number) => {
        reads.push(port);
        return Promise.resolve("off" as const);
      },
    };
    const probes: string[] = [];
    const base = fakeDeps();
    const doc = await collectDoctor(home, {
      ...base,
      systemProxy: control,
      probeHttp: (port, path, headers) => {
        probes.push(`${port}${path}`);
        return base.probeHttp(port, path, headers);
      },
    });
    assert.equal(doc.checks.find((c) => c.id === "system-proxy.mode")!.status, "PASS");
    assert.equal(doc.checks.find((c) => c.id === "daemon.store")!.status, "PASS");
    assert.equal(doc.checks.find((c) => c.id === "api.auth")!.status, "PASS");
    assert.deepEqual(reads, [PORTS.edge]);
    assert.deepEqual(
      probes.toSorted(),
      [
        `${PORTS.edge}/health`,
        `${PORTS.internal}/health`,
        `${PORTS.api}/health`,
        `${PORTS.api}/v1/calls?limit=1`,
      ].toSorted(),
    );
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("status judges the install state and ports doctor read, not a second read", async () => {
  const home = await healthyHome();
  try {
    const { collectStatus } = await import("./status.ts");
    const { readInstallState } = await import("./_install_state.ts");
    const install = { ...readInstallState(home), mode: "full" as const };
    const st = await collectStatus(home, fakeDeps(), { install, ports: { ...PORTS, edge: 1 } });
    assert.equal(st.install_mode, "full");
    assert.equal(st.ports.edge, 1);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("status and doctor read the system proxy and the sentinels the same way", async () => {
  const home = await healthyHome();
  try {
    const { collectStatus } = await import("./status.ts");
    const left = {
      backend: "gsettings",
      capture: () => Promise.reject(new Error("read only")),
      enable: () => Promise.reject(new Error("read only")),
      disable: () => Promise.reject(new Error("read only")),
      restore: () => Promise.reject(new Error("read only")),
      state: (port: number) =>
        Promise.resolve(port === PORTS.edge ? "on" as const : "off" as const),
    };
    const deps = { ...fakeDeps(), systemProxy: left };
    const st = await collectStatus(home, deps);
    assert.equal(st.system_proxy.state, "on");
    assert.match(st.system_proxy.detail, /gsettings, apps mode/);
    const doc = await collectDoctor(home, deps);
    const proxy = doc.checks.find((c) => c.id === "system-proxy.mode")!;
    assert.equal(proxy.status, "FAIL");
    assert.equal(doc.ok, false);

    await Deno.writeTextFile(`${home}/proxy-managed`, "");
    const st2 = await collectStatus(home, deps);
    const doc2 = await collectDoctor(home, deps);
    assert.equal(st2.sentinels.state, "inconsistent");
    assert.equal(doc2.checks.find((c) => c.id === "install.sentinels")!.status, "FAIL");
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
