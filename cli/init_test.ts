import assert from "node:assert/strict";
import { init, state, text, uninstall } from "./_init_runs.ts";
import { runInit } from "./init.ts";
import { noSystemProxy } from "../setup/mod.ts";
import {
  BASHRC,
  BUNDLE,
  CA_PATH,
  CA_PEM,
  createWorld,
  ENV_D,
  HOME,
  PRE_INIT_PROXY,
} from "./_init_fakes.ts";

const CORE = [
  "ca create",
  `trust install ${CA_PATH}`,
  `certifi patch ${BUNDLE}`,
  "bundle write",
  "service install",
];

Deno.test("init env-only: fixed order, numbered steps, no environment, summary", async () => {
  const w = createWorld();
  const r = await init(w, "env-only");
  assert.equal(r.code, 0, r.err.join("\n"));
  assert.deepEqual(r.events, [...CORE, "start roles", "self-test"]);
  const steps = r.out.filter((l) => /^ {2}\d\/8 {2}/.test(l));
  assert.deepEqual(steps.map((l) => l.slice(2, 5)), [
    "1/8",
    "2/8",
    "3/8",
    "4/8",
    "5/8",
    "6/8",
    "7/8",
    "8/8",
  ]);
  assert.equal(steps[0], "  1/8  Generating CA certificate…");
  assert.ok(r.out.includes(`       cert written      ${CA_PATH}`), r.out.join("\n"));
  assert.ok(r.out.some((l) => l.includes("(skipped — system proxy unchanged in env-only mode)")));
  assert.ok(r.out.some((l) => /init complete +mode: env-only {2}edge: 127\.0\.0\.1:18081/.test(l)));
  assert.equal(text(w, `${HOME}/install-mode`), "env-only\n");
  assert.equal(w.files.files.has(`${HOME}/apps-managed`), false);
  const s = state(w);
  assert.deepEqual(s.certifi_bundles, [BUNDLE]);
  // The certificate itself too: uninstall can untrust it even once the file is lost.
  assert.deepEqual(s.trust, [
    { ca_path: CA_PATH, store: "debian: update-ca-certificates", ca_pem: CA_PEM },
  ]);
  assert.equal(s.system_proxy, null);
});

Deno.test("init writes system_state.json before the first change", async () => {
  const w = createWorld();
  await init(w, "full");
  const first = w.files.ops.findIndex((op) => op.op === "write");
  assert.equal(
    w.files.ops[first].op === "write" && w.files.ops[first].path,
    `${HOME}/system_state.json`,
  );
  // The proxy snapshot was taken before anything changed, and it is in that first write.
  assert.equal(w.events[0], "proxy capture");
  assert.deepEqual(state(w).system_proxy, PRE_INIT_PROXY);
});

Deno.test("mode switches env-only → apps → full → env-only reconcile without uninstall", async () => {
  const w = createWorld();
  assert.equal((await init(w, "env-only")).code, 0);

  const apps = await init(w, "apps");
  assert.equal(apps.code, 0, apps.err.join("\n"));
  assert.deepEqual(apps.events, [
    "ca tighten",
    `trust install ${CA_PATH}`,
    `certifi patch ${BUNDLE}`,
    "bundle write",
    "service install",
    "env apply HTTPS_PROXY=http://127.0.0.1:18081 shellRc=true",
    "confirm A Halton Meter daemon is running",
    "service stop watchdog,daemon",
    "start roles",
    "self-test",
  ]);
  assert.ok(apps.out.includes("switching install mode: env-only → apps"));
  assert.equal(text(w, `${HOME}/install-mode`), "apps\n");
  assert.ok(w.files.files.has(`${HOME}/apps-managed`));
  assert.deepEqual(state(w).files_created, [ENV_D]);

  const full = await init(w, "full");
  assert.equal(full.code, 0, full.err.join("\n"));
  assert.deepEqual(full.events, [
    "proxy capture",
    "ca tighten",
    `trust install ${CA_PATH}`,
    `certifi patch ${BUNDLE}`,
    "bundle write",
    "service install",
    "env apply HTTPS_PROXY=http://127.0.0.1:18081 shellRc=true",
    "proxy enable 18081",
    "confirm A Halton Meter daemon is running",
    "service stop watchdog,daemon",
    "start roles",
    "self-test",
  ]);
  assert.ok(w.files.files.has(`${HOME}/proxy-managed`));
  assert.equal(w.machine.proxy, "on");

  // A second full run does not re-capture: the snapshot is still the pre-init one.
  const again = await init(w, "full");
  assert.equal(again.events.includes("proxy capture"), false);
  assert.deepEqual(state(w).system_proxy, PRE_INIT_PROXY);

  const back = await init(w, "env-only");
  assert.equal(back.code, 0, back.err.join("\n"));
  assert.deepEqual(back.events, [
    "ca tighten",
    `trust install ${CA_PATH}`,
    `certifi patch ${BUNDLE}`,
    "bundle write",
    "service install",
    `env remove created=${ENV_D}`,
    `proxy restore {"mode":"none"}`,
    "confirm A Halton Meter daemon is running",
    "service stop watchdog,daemon",
    "start roles",
    "self-test",
  ]);
  assert.equal(w.files.files.has(`${HOME}/apps-managed`), false);
  assert.equal(w.files.files.has(`${HOME}/proxy-managed`), false);
  assert.equal(w.machine.proxy, "off");
  assert.deepEqual(w.machine.envFiles, []);
  // Merged, never overwritten: the record still holds everything init ever changed.
  const s = state(w);
  assert.deepEqual(s.system_proxy, PRE_INIT_PROXY);
  assert.deepEqual(s.files_created, [ENV_D]);
  assert.equal(s.created_at, "2026-01-02T03:04:05.000Z");
});

Deno.test("full mode where no system proxy can be managed writes no proxy-managed and says why", async () => {
  const w = createWorld();
  const initDeps = w.initDeps;
  w.initDeps = () => ({
    ...initDeps(),
    systemProxy: noSystemProxy("no system proxy is managed on windows: tools read HTTPS_PROXY"),
  });
  const r = await init(w, "full");
  assert.equal(r.code, 0, r.err.join("\n"));
  assert.equal(w.files.files.has(`${HOME}/proxy-managed`), false);
  assert.equal(
    text(w, `${HOME}/proxy-unmanaged`),
    "no system proxy is managed on windows: tools read HTTPS_PROXY\n",
  );
  assert.ok(
    r.out.some((l) =>
      /not managed +full mode could not manage a system proxy here: no system proxy is managed on windows/
        .test(l)
    ),
    r.out.join("\n"),
  );
  // Back to apps: the record goes with full mode.
  assert.equal((await init(w, "apps")).code, 0);
  assert.equal(w.files.files.has(`${HOME}/proxy-unmanaged`), false);
});

Deno.test("full mode whose proxy enable fails writes no proxy-managed", async () => {
  const w = createWorld();
  const initDeps = w.initDeps;
  w.initDeps = () => {
    const deps = initDeps();
    return {
      ...deps,
      systemProxy: {
        ...deps.systemProxy,
        enable: () =>
          Promise.resolve({
            ok: false,
            steps: [{ action: "system proxy on", outcome: "failed" as const, detail: "no D-Bus" }],
          }),
      },
    };
  };
  const r = await init(w, "full");
  assert.equal(r.code, 1);
  assert.equal(w.files.files.has(`${HOME}/proxy-managed`), false);
  assert.equal(w.files.files.has(`${HOME}/proxy-unmanaged`), false);
});

Deno.test("apps records the login environment for the userenv role; env-only and uninstall drop it", async () => {
  const w = createWorld();
  assert.equal((await init(w, "apps")).code, 0);
  const record = JSON.parse(text(w, `${HOME}/login-env.json`) ?? "null");
  assert.equal(record.mode, "apps");
  assert.equal(record.env.HTTPS_PROXY, "http://127.0.0.1:18081");
  assert.deepEqual(record.env, w.lastEnv);
  assert.deepEqual(record.target, { userHome: "/home/ada" });
  assert.equal(record.shell_rc, true);
  const applied = JSON.parse(text(w, `${HOME}/run/userenv-applied.json`) ?? "null");
  assert.deepEqual([applied.by, applied.record, applied.ok], ["init", record.recorded_at, true]);
  assert.equal(w.files.files.has(`${HOME}/run/init-running`), false, "marker gone after init");

  assert.equal((await init(w, "env-only")).code, 0);
  assert.equal(w.files.files.has(`${HOME}/login-env.json`), false);
  assert.equal(w.files.files.has(`${HOME}/run/userenv-applied.json`), false);

  assert.equal((await init(w, "full")).code, 0);
  assert.equal((await uninstall(w)).code, 0);
  assert.equal(w.files.files.has(`${HOME}/login-env.json`), false);
});

Deno.test("full → apps restores the proxy snapshot and keeps the login environment", async () => {
  const w = createWorld();
  await init(w, "full");
  const r = await init(w, "apps");
  assert.ok(r.events.includes(`proxy restore {"mode":"none"}`));
  assert.ok(r.events.some((e) => e.startsWith("env apply")));
  assert.equal(r.events.some((e) => e.startsWith("env remove")), false);
  assert.deepEqual(w.machine.envFiles, [BASHRC, ENV_D]);
});

Deno.test("apps mode writes the Node preload and routes NODE_OPTIONS to it", async () => {
  const w = createWorld();
  await init(w, "apps");
  const preload = `${HOME}/node/proxy-preload.cjs`;
  assert.match(text(w, preload) ?? "", /use strict/);
  assert.equal(w.lastEnv?.NODE_OPTIONS, `--require ${preload}`);
  assert.equal(w.lastEnv?.CURL_CA_BUNDLE, `${HOME}/ca/ca-bundle.pem`);
  assert.equal(w.lastEnv?.NODE_EXTRA_CA_CERTS, CA_PATH);
});

Deno.test("a running daemon is restarted after asking; --non-interactive does not ask", async () => {
  const w = createWorld();
  await init(w, "apps");
  w.confirmAnswer = false;
  const kept = await init(w, "apps");
  assert.deepEqual(kept.events.slice(-3), [
    "confirm A Halton Meter daemon is running",
    "start roles",
    "self-test",
  ]);
  assert.ok(kept.out.some((l) => l.includes("daemon kept")));
  const out: string[] = [];
  const from = w.events.length;
  await runInit({
    home: HOME,
    mode: "apps",
    shellRc: true,
    clean: false,
    nonInteractive: true,
    print: (l) => out.push(l),
    printError: (l) => out.push(l),
  }, w.initDeps());
  assert.deepEqual(w.events.slice(from).slice(-3), [
    "service stop watchdog,daemon",
    "start roles",
    "self-test",
  ]);
});

Deno.test("--no-shell-rc is passed to the login environment", async () => {
  const w = createWorld();
  const r = await init(w, "apps", { shellRc: false });
  assert.ok(r.events.includes("env apply HTTPS_PROXY=http://127.0.0.1:18081 shellRc=false"));
});

Deno.test("an unknown supervisor refuses the run before any change", async () => {
  const w = createWorld();
  const r = await init(w, "apps", { supervisor: "bogus" });
  assert.equal(r.code, 2);
  assert.match(r.err.join("\n"), /Unknown supervisor "bogus"/);
  assert.deepEqual(w.files.ops, []);
  assert.deepEqual(r.events, []);
});

Deno.test("a manual step ends init with exit 3 and the exact command listed", async () => {
  const w = createWorld();
  w.trustManual = true;
  const r = await init(w, "apps");
  assert.equal(r.code, 3);
  const err = r.err.join("\n");
  assert.match(err, /1 step\(s\) need you/);
  assert.match(err, /sudo cp .*halton-meter-ca\.pem \/usr\/local\/share\/ca-certificates\//);
  assert.ok(r.out.some((l) => l.includes("run: sudo cp")));
});

Deno.test("a failed self-test is repaired in place: the daemon is restarted once", async () => {
  const w = createWorld();
  w.selfTests = [{ ok: false, stage: "row", message: "no row", ms: 30000 }];
  const r = await init(w, "apps");
  assert.equal(r.code, 0, r.err.join("\n"));
  assert.deepEqual(r.events.slice(-5), [
    "start roles",
    "self-test",
    "service stop watchdog,daemon",
    "start roles",
    "self-test",
  ]);
  assert.ok(r.out.some((l) => l.includes("self-test failed") && l.includes("row: no row")));
  assert.ok(r.out.some((l) => l.includes("self-test passed")));
});

Deno.test("a role that did not start fails init even when the self-test passes; the self-test still runs", async () => {
  const w = createWorld();
  w.starts = [false];
  const r = await init(w, "apps");
  assert.equal(r.code, 1);
  assert.deepEqual(r.events.slice(-2), ["start roles", "self-test"]);
  assert.ok(r.out.some((l) => l.includes("self-test passed")));
  assert.match(r.err.join("\n"), /start: a role did not start/);
  assert.equal(r.out.some((l) => /init complete/.test(l)), false);
});

Deno.test("a self-test that keeps failing ends init with exit 1 and a doctor hint", async () => {
  const w = createWorld();
  const fail = { ok: false as const, stage: "tls" as const, message: "unknown issuer", ms: 5 };
  w.selfTests = [fail, fail];
  const r = await init(w, "apps");
  assert.equal(r.code, 1);
  assert.match(r.err.join("\n"), /self-test: tls: unknown issuer[\s\S]*halton-meter doctor/);
  // Without --clean nothing is rolled back.
  assert.equal(w.machine.trusted, true);
  assert.equal(text(w, `${HOME}/install-mode`), "apps\n");
});

Deno.test("init never says complete unless it is: failed self-test → init failed, manual step → init incomplete", async () => {
  const w = createWorld();
  const fail = { ok: false as const, stage: "row" as const, message: "no row", ms: 5 };
  w.selfTests = [fail, fail];
  const failed = await init(w, "apps");
  assert.equal(failed.code, 1);
  assert.equal(failed.out.some((l) => /init complete/.test(l)), false, failed.out.join("\n"));
  assert.ok(failed.out.some((l) => /init failed +mode: apps .*1 step\(s\) failed/.test(l)));
  assert.equal(failed.out.some((l) => /open a new shell/.test(l)), false);

  const w2 = createWorld();
  w2.trustManual = true;
  const manual = await init(w2, "apps");
  assert.equal(manual.code, 3);
  assert.equal(manual.out.some((l) => /init complete/.test(l)), false, manual.out.join("\n"));
  assert.ok(manual.out.some((l) => /init incomplete +mode: apps/.test(l)));
});
