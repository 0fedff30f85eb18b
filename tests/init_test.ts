/**
 * `init` / `onboard` / `uninstall` black-box through `main.ts`, in a sandbox: HOME,
 * HALTON_METER_HOME, the Debian trust store (real `update-ca-certificates`, every directory
 * redirected with its own flags through HALTON_METER_TRUST_PATHS), a Python whose certifi
 * bundle is a copy, and the direct backend. Proves the mode switches and that uninstall
 * leaves rc files, the certifi copy and the trust store byte-identical.
 */
import assert from "node:assert/strict";
import {
  canRun,
  cleanup,
  cli,
  exists,
  makeSandbox,
  realCertifiBundle,
  ROLES,
} from "./_support/init_sandbox.ts";
import { homeProcesses, pidAlive, readRolePid, rolePids } from "./_support/processes.ts";
import { makeTestCa } from "./_support/test_ca.ts";

Deno.test({
  name:
    "init → init --apps → init (env-only) → uninstall: real trust store and certifi copy, byte-identical after",
  ignore: !canRun,
  async fn() {
    const sb = await makeSandbox();
    const seen: number[] = [];
    try {
      const before = await sb.fingerprint();

      const envOnly = await cli(sb, "init", "--supervisor", "direct");
      assert.equal(envOnly.code, 0, envOnly.stdout + envOnly.stderr);
      assert.match(envOnly.stdout, /^ {2}1\/8 {2}Generating CA certificate…$/m);
      assert.match(envOnly.stdout, /self-test passed/);
      assert.match(envOnly.stdout, /init complete +mode: env-only/);
      seen.push(...await rolePids(sb.state, ROLES));
      assert.equal(await Deno.readTextFile(`${sb.state}/install-mode`), "env-only\n");
      assert.equal(await exists(`${sb.home}/.profile`), false, "env-only writes no rc file");
      const certifi = await Deno.readTextFile(`${sb.root}/site/certifi/cacert.pem`);
      assert.match(certifi, /# halton-meter CA appended by halton-meter init/);
      assert.equal(await exists(`${sb.root}/local/halton-meter-ca.crt`), true);
      const ca = (await Deno.readTextFile(`${sb.state}/ca/halton-meter-ca.pem`)).trim();
      assert.ok((await Deno.readTextFile(`${sb.root}/etc-certs/ca-certificates.crt`)).includes(ca));

      const apps = await cli(sb, "init", "--apps", "--supervisor", "direct");
      assert.equal(apps.code, 0, apps.stdout + apps.stderr);
      assert.match(apps.stdout, /switching install mode: env-only → apps/);
      const port = JSON.parse(await Deno.readTextFile(`${sb.state}/effective-ports.json`)).edge;
      const profile = await Deno.readTextFile(`${sb.home}/.profile`);
      assert.ok(profile.includes(`export HTTPS_PROXY='http://127.0.0.1:${port}'`), profile);
      assert.ok((await Deno.readTextFile(`${sb.home}/.bashrc`)).includes("# >>> halton-meter"));
      assert.ok(await exists(`${sb.state}/apps-managed`));
      const status = JSON.parse((await cli(sb, "status", "--json")).stdout);
      assert.equal(status.install_mode, "apps");
      assert.equal(status.daemon.state, "healthy");
      assert.equal(status.userenv.state, "applied", status.userenv.detail);
      const state = JSON.parse(await Deno.readTextFile(`${sb.state}/system_state.json`));
      assert.deepEqual(state.certifi_bundles, [`${sb.root}/site/certifi/cacert.pem`]);
      // doctor reads the same sandbox init wrote to (trust hooks, certifi copy, no proxy).
      const doctor = await cli(sb, "doctor", "--json");
      const report = JSON.parse(doctor.stdout) as { checks: { id: string; status: string }[] };
      const notPass = report.checks.filter((c) => c.status !== "PASS");
      assert.equal(doctor.code, 0, JSON.stringify(notPass, null, 1));
      const byId = new Map(report.checks.map((c) => [c.id, c]));
      for (const id of ["trust.handshake", "trust.store", `certifi.${sb.root}/bin/python3`]) {
        assert.equal(byId.get(id)?.status, "PASS", JSON.stringify(byId.get(id)));
      }
      assert.ok(state.files_created.includes(`${sb.home}/.profile`));

      // Back to env-only: the login environment goes without an uninstall.
      const back = await cli(sb, "init", "--supervisor", "direct");
      assert.equal(back.code, 0, back.stdout + back.stderr);
      assert.equal(await exists(`${sb.home}/.profile`), false);
      assert.equal(
        await Deno.readTextFile(`${sb.home}/.bashrc`),
        "# the user's own bashrc\nalias ll='ls -l'\n",
      );
      assert.equal(await exists(`${sb.state}/apps-managed`), false);
      seen.push(...await rolePids(sb.state, ROLES));

      const un = await cli(sb, "uninstall");
      assert.equal(un.code, 0, un.stdout + un.stderr);
      assert.match(un.stdout, /^ {2}1\/6 {2}Restoring the system proxy…$/m);
      assert.match(un.stdout, /uninstall complete/);
      assert.deepEqual(await sb.fingerprint(), before);
      for (const pid of seen) assert.equal(pidAlive(pid), false, `pid ${pid} still running`);
      // Nothing orphaned either (a daemon whose pid file another one overwrote, say).
      assert.deepEqual(homeProcesses(sb.state), [], "processes of this sandbox left running");
      for (
        const f of ["install-mode", "system_state.json", "apps-managed", "run/direct-spec.json"]
      ) {
        assert.equal(await exists(`${sb.state}/${f}`), false, f);
      }
      // Kept without --purge.
      assert.ok(await exists(`${sb.state}/db.sqlite`));
      assert.ok(await exists(`${sb.state}/ca/halton-meter-ca.pem`));
    } finally {
      await cleanup(sb, seen);
    }
  },
});

Deno.test({
  name:
    "onboard = init --apps; --gui warns and means --full; uninstall --graceful keeps the edge, a later uninstall --purge stops it",
  ignore: !canRun,
  async fn() {
    const sb = await makeSandbox();
    const seen: number[] = [];
    try {
      const before = await sb.fingerprint();
      const bad = await cli(sb, "init", "--apps", "--full");
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--apps and --full exclude each other/);

      const onboard = await cli(sb, "onboard", "--supervisor", "direct", "--no-shell-rc");
      assert.equal(onboard.code, 0, onboard.stdout + onboard.stderr);
      assert.match(onboard.stdout, /init complete +mode: apps/);
      assert.equal(await exists(`${sb.home}/.profile`), false, "--no-shell-rc");
      assert.ok(await exists(`${sb.home}/.config/environment.d/halton-meter.conf`));

      const gui = await cli(sb, "init", "--gui", "--supervisor", "direct");
      assert.equal(gui.code, 0, gui.stdout + gui.stderr);
      assert.match(gui.stderr, /--gui is deprecated; use --full/);
      assert.equal(await Deno.readTextFile(`${sb.state}/install-mode`), "full\n");
      // HALTON_METER_SYSTEM_PROXY=none: nothing OS-wide was set, and init says so.
      assert.match(gui.stdout, /full mode could not manage a system proxy here: no system proxy/);
      assert.equal(await exists(`${sb.state}/proxy-managed`), false);
      assert.ok(await exists(`${sb.state}/proxy-unmanaged`));
      const fullStatus = JSON.parse((await cli(sb, "status", "--json")).stdout);
      assert.equal(fullStatus.sentinels.state, "healthy", fullStatus.sentinels.detail);
      seen.push(...await rolePids(sb.state, ROLES));
      const edgePid = await readRolePid(sb.state, "edge");

      const un = await cli(sb, "uninstall", "--graceful");
      assert.equal(un.code, 0, un.stdout + un.stderr);
      assert.match(un.stdout, /the edge keeps running until reboot/);
      assert.equal(pidAlive(edgePid), true, "graceful leaves the edge up");
      assert.equal(await exists(`${sb.state}/run/direct-spec.json`), false);
      // The stored spec is gone, yet status and a later uninstall still know the edge.
      const status = JSON.parse((await cli(sb, "status", "--json")).stdout);
      assert.equal(status.edge.pid, edgePid, JSON.stringify(status.edge));
      assert.equal(status.edge.state, "healthy");
      const later = await cli(sb, "uninstall", "--purge");
      assert.equal(later.code, 0, later.stdout + later.stderr);
      assert.equal(pidAlive(edgePid), false, "a later uninstall stops the kept edge");
      assert.deepEqual(homeProcesses(sb.state), [], "processes of this sandbox left running");
      assert.equal(await exists(sb.state), false, "--purge removes the state directory");
      assert.deepEqual(await sb.fingerprint(), before);
    } finally {
      await cleanup(sb, seen);
    }
  },
});

Deno.test({
  name:
    "init --apps → uninstall with a corporate root in the trust store and in a copy of the real certifi bundle: every bundle byte-identical after",
  ignore: !canRun,
  async fn() {
    const work = await Deno.makeTempDir({ prefix: "hm-init-corp-" });
    const corp = await makeTestCa(`${work}/corp`, ["corp.example"]);
    // Corporate machines append their root to certifi too (this machine's did, for its
    // egress proxy): the copy holds it once, as the trust store's local directory does.
    const real = await realCertifiBundle();
    const base = real === null ? null : await Deno.readTextFile(real);
    await Deno.writeTextFile(
      `${work}/cacert.pem`,
      `${base ?? ""}${base === null || base.endsWith("\n") ? "" : "\n"}${corp.caPem}`,
    );
    // And keep it there: like this machine's egress-proxy site hook, at each interpreter start
    // the root is appended again unless the bundle's tail still holds it.
    await Deno.writeTextFile(
      `${work}/keep_corp_root.py`,
      [
        "import certifi",
        `root = open(${JSON.stringify(corp.caFile)}, "rb").read()`,
        "path = certifi.where()",
        "data = open(path, 'rb').read()",
        "if root.strip()[-96:] not in data[-(len(root) + 64):]:",
        "    open(path, 'ab').write(b'\\n' + root)",
        "",
      ].join("\n"),
    );
    const sb = await makeSandbox({
      certifiFrom: `${work}/cacert.pem`,
      localRoots: { "corp-root.crt": corp.caPem },
      pythonStartup: `${work}/keep_corp_root.py`,
    });
    const seen: number[] = [];
    try {
      const before = await sb.fingerprint();
      const certifi = `${sb.root}/site/certifi/cacert.pem`;
      const original = await Deno.readTextFile(certifi);
      const apps = await cli(sb, "init", "--apps", "--supervisor", "direct");
      assert.equal(apps.code, 0, apps.stdout + apps.stderr);
      seen.push(...await rolePids(sb.state, ROLES));
      // Python runs while installed (doctor asks each interpreter for its certifi, as users do).
      const doctor = await cli(sb, "doctor", "--json");
      assert.equal(doctor.code, 0, doctor.stdout + doctor.stderr);
      assert.match(await Deno.readTextFile(certifi), /# halton-meter CA/);
      const un = await cli(sb, "uninstall");
      assert.equal(un.code, 0, un.stdout + un.stderr);
      const after = await Deno.readTextFile(certifi);
      const count = (t: string) => t.split(corp.caPem.trim()).length - 1;
      assert.equal(count(after), count(original), "copies of the corporate root in certifi");
      assert.equal(after, original);
      assert.deepEqual(await sb.fingerprint(), before);
    } finally {
      await cleanup(sb, seen);
      await Deno.remove(work, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "a deleted CA certificate: doctor's next step (init in the recorded mode) restores it; uninstall without it still untrusts the CA",
  ignore: !canRun,
  async fn() {
    const sb = await makeSandbox();
    const seen: number[] = [];
    try {
      const before = await sb.fingerprint();
      const apps = await cli(sb, "init", "--apps", "--supervisor", "direct");
      assert.equal(apps.code, 0, apps.stdout + apps.stderr);
      seen.push(...await rolePids(sb.state, ROLES));
      const certPath = `${sb.state}/ca/halton-meter-ca.pem`;
      const caPem = await Deno.readTextFile(certPath);

      await Deno.remove(certPath);
      const doctor = await cli(sb, "doctor", "--json");
      const checks = (JSON.parse(doctor.stdout) as {
        checks: { id: string; status: string; next?: string }[];
      }).checks;
      const files = checks.find((c) => c.id === "ca.files");
      assert.equal(files?.status, "FAIL", JSON.stringify(files));
      // The mode is kept (plain init would switch apps to env-only), and it works:
      assert.match(files?.next ?? "", /^halton-meter init --apps {2}# restores /);
      const again = await cli(sb, "init", "--apps", "--supervisor", "direct");
      assert.equal(again.code, 0, again.stdout + again.stderr);
      seen.push(...await rolePids(sb.state, ROLES));
      assert.match(again.stdout, /cert restored +.*halton-meter-ca\.pem \(from /);
      assert.equal(await Deno.readTextFile(certPath), caPem, "the same CA, not a new one");
      assert.equal(await Deno.readTextFile(`${sb.state}/install-mode`), "apps\n");

      // Certificate and combined bundle both gone: uninstall finds the CA by what it recorded
      // and takes it out of the trust store; then nothing of the run is left outside the home.
      await Deno.remove(certPath);
      await Deno.remove(`${sb.state}/ca/ca-bundle.pem`);
      const un = await cli(sb, "uninstall");
      assert.equal(un.code, 0, un.stdout + un.stderr);
      assert.match(un.stdout, /uninstall complete/);
      assert.deepEqual(await sb.fingerprint(), before);
      assert.equal(await exists(`${sb.state}/system_state.json`), false);
    } finally {
      await cleanup(sb, seen);
    }
  },
});

Deno.test({
  name:
    "init --apps --clean: a daemon that cannot start fails the self-test and the run is rolled back",
  ignore: !canRun,
  async fn() {
    const sb = await makeSandbox();
    const seen: number[] = [];
    try {
      const before = await sb.fingerprint();
      // The daemon refuses to start without its upstream.ca_file; the edge still comes up.
      await Deno.writeTextFile(
        `${sb.state}/config.json`,
        JSON.stringify({
          ports: { edge: 0, internal: 0, api: 0 },
          upstream: { ca_file: `${sb.root}/missing.pem` },
        }),
      );
      const r = await cli(sb, "init", "--apps", "--clean", "--supervisor", "direct");
      for (const m of r.stdout.matchAll(/✓ spawn \w+ {2}pid (\d+)/g)) seen.push(Number(m[1]));
      assert.ok(seen.length >= 3, r.stdout);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /--clean: rolling back what this run changed/);
      assert.match(r.stderr, /self-test/);
      assert.deepEqual(await sb.fingerprint(), before);
      // What the run and its roles wrote into the home goes too; config and logs stay.
      const left = [];
      for await (const e of Deno.readDir(sb.state)) left.push(e.name);
      assert.deepEqual(left.sort(), ["config.json", "logs"]);
      for (const pid of seen) assert.equal(pidAlive(pid), false, `pid ${pid} still running`);
    } finally {
      await cleanup(sb, seen);
    }
  },
});
