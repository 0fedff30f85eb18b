/**
 * The compiled shape without `denort`: main.ts bundled by `deno bundle` into one file (the
 * graph `deno compile` embeds), copied alone into an empty directory far from the checkout,
 * and the user's path run from there: `up`, a metered call with its row (the project found by
 * the lookup worker, which runs the entry module), the dashboard's assets, `status --json`,
 * `doctor --json`,
 * `--version`, `--role edge` alone, and `init`/`uninstall` in the sandbox, whose service
 * entries must run the bundle from its directory — or, through a launcher standing in for the
 * compiled binary, the launcher itself.
 */
import assert from "node:assert/strict";
import { VERSION } from "../core/mod.ts";
import { DAEMON_SOURCE_PERMISSIONS, SOURCE_PERMISSIONS } from "../setup/mod.ts";
import { type IsolatedBundle, isolatedBundle, writeLauncher } from "./_support/bundle.ts";
import { loadExchange, startFakeProvider } from "./_support/fake_provider.ts";
import { canRun, cleanup, cliFrom, makeSandbox, ROLES } from "./_support/init_sandbox.ts";
import { loadJsonSchema, validateJsonSchema } from "./_support/json_schema.ts";
import { api, type Meter, startMeter, stopMeter, waitRows } from "./_support/meter.ts";
import { readRolePid, rolePids } from "./_support/processes.ts";
import { spawnMain, startMain } from "./_support/role_process.ts";
import { makeTestCa } from "./_support/test_ca.ts";

const EXCHANGE = "anthropic/stream_cache_5m_1h";
const BODY = Deno.readTextFileSync(
  new URL(`../adapters/testdata/${EXCHANGE}.request.json`, import.meta.url),
);
/** Built by the first test that runs (none when every test is filtered out), shared by all. */
let built: Promise<IsolatedBundle> | null = null;
const theBundle = () => built ??= isolatedBundle();
const dec = new TextDecoder();

/** curl through the edge from `cwd`: nothing names a project but the directory it runs in. */
async function curlVia(edge: number, cacert: string, cwd: string): Promise<string> {
  const out = await new Deno.Command("curl", {
    args: [
      ...["-sS", "--fail", "--max-time", "20", "-x", `http://127.0.0.1:${edge}`],
      ...["--cacert", cacert, "-H", "content-type: application/json"],
      ...["-H", "anthropic-version: 2023-06-01", "-H", "x-api-key: sk-ant-test-BUNDLE"],
      // A streamed answer over a few hundred ms: curl is still there to be looked up.
      ...["-H", `x-fake-exchange: ${EXCHANGE}`, "-H", "x-fake-delay-ms: 40"],
      ...["-d", BODY, "https://api.anthropic.com/v1/messages"],
    ],
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, dec.decode(out.stderr));
  return dec.decode(out.stdout);
}

async function runBundle(m: Meter, ...args: string[]) {
  const bundle = await theBundle();
  const out = await spawnMain(args, m.home, {}, { entry: bundle.path, cwd: bundle.dir }).output();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("bundle alone in an empty directory: up, a metered call with its row, dashboard assets, status, doctor, --version", async () => {
  const bundle = await theBundle();
  assert.deepEqual([...Deno.readDirSync(bundle.dir)].map((e) => e.name), ["halton-meter.js"]);
  const m = await startMeter("hm-bundle-up-", { entry: bundle.path, cwd: bundle.dir });
  try {
    const caller = `${m.dir}/acme-widgets`;
    await Deno.mkdir(caller);
    const body = await curlVia(m.ports.edge, `${m.home}/ca/halton-meter-ca.pem`, caller);
    assert.equal(body, dec.decode(loadExchange(EXCHANGE).body));
    const [row] = await waitRows(m, "acme-widgets");
    assert.equal(row.project_source, "process_cwd");
    assert.equal(row.model, loadExchange(EXCHANGE).expected.model);
    const daemonLog = await Deno.readTextFile(`${m.home}/logs/daemon.log`);
    assert.doesNotMatch(daemonLog, /process lookups run on the daemon's event loop/);

    const status = await runBundle(m, "status", "--json");
    assert.equal(status.code, 0, status.stderr);
    const st = JSON.parse(status.stdout);
    assert.deepEqual(
      validateJsonSchema(
        await loadJsonSchema(new URL("../docs/status.schema.json", import.meta.url)),
        st,
      ),
      [],
    );
    assert.equal(st.version, VERSION);
    assert.equal(st.daemon.state, "healthy", JSON.stringify(st.daemon));

    const doctor = await runBundle(m, "doctor", "--json");
    const report = JSON.parse(doctor.stdout);
    assert.deepEqual(
      validateJsonSchema(
        await loadJsonSchema(new URL("../docs/doctor.schema.json", import.meta.url)),
        report,
      ),
      [],
    );
    const byId = new Map<string, { status: string }>(
      report.checks.map((c: { id: string; status: string }) => [c.id, c]),
    );
    for (const id of ["config.parse", "ca.files", "process.daemon", "daemon.store"]) {
      assert.equal(byId.get(id)?.status, "PASS", `${id}: ${JSON.stringify(byId.get(id))}`);
    }

    // The dashboard's assets are code in the graph too (daemon/dashboard/_assets.generated.ts).
    for (const [name, type] of [["app.js", "text/javascript"], ["style.css", "text/css"]]) {
      const asset = await fetch(`http://127.0.0.1:${m.ports.api}/dashboard/assets/${name}`);
      assert.equal(asset.status, 200, name);
      assert.ok(asset.headers.get("content-type")?.startsWith(type), name);
      assert.ok((await asset.text()).length > 100, name);
    }

    // The report worker runs the bundle itself (no worker file beside it): /v1/report is
    // answered there, not on the daemon's thread.
    const rep = await api(m, "/v1/report?group_by=project");
    assert.equal(rep.status, 200, JSON.stringify(rep.body));
    assert.deepEqual(rep.body.rows.map((r: { keys: string[] }) => r.keys), [["acme-widgets"]]);
    const health = await api(m, "/health");
    assert.deepEqual(
      health.body.reports,
      { worker: 1, in_thread: 0, worker_running: true },
      JSON.stringify(health.body.reports),
    );

    const version = await runBundle(m, "--version", "--json");
    assert.equal(version.code, 0, version.stderr);
    const v = JSON.parse(version.stdout);
    assert.equal(v.version, VERSION);
    assert.equal(v.compiled, false);
    assert.match(v.price_data, /^genai-prices@\d+\.\d+\.\d+$/);
    assert.equal(v.deno, Deno.version.deno);
  } finally {
    await stopMeter(m);
  }
});

Deno.test("bundle alone: --role edge by itself answers /health, tunnels raw, and stops on SIGTERM", async () => {
  const bundle = await theBundle();
  const dir = await Deno.makeTempDir({ prefix: "hm-bundle-edge-" });
  const ca = await makeTestCa(`${dir}/ca`, ["api.anthropic.com"]);
  const fake = startFakeProvider(ca);
  const home = `${dir}/home`;
  await Deno.mkdir(home);
  try {
    await Deno.writeTextFile(
      `${home}/config.json`,
      JSON.stringify({
        ports: { edge: 0, internal: 0, api: 0 },
        upstream: { resolve: { "api.anthropic.com:443": `127.0.0.1:${fake.port}` } },
      }),
    );
    const edge = await startMain(["--role", "edge"], home, { entry: bundle.path, cwd: bundle.dir });
    try {
      const health = await fetch(`http://127.0.0.1:${edge.port}/health`);
      assert.equal(health.status, 200);
      assert.equal((await health.json()).role, "edge");
      // No daemon: the edge alone tunnels, so the answer comes with the provider's own certificate.
      const body = await curlVia(edge.port, ca.caFile, dir);
      assert.equal(body, dec.decode(loadExchange(EXCHANGE).body));
    } finally {
      assert.equal(await edge.stop("SIGTERM"), 0, edge.stderr());
    }
  } finally {
    await fake.close();
    await Deno.remove(dir, { recursive: true });
  }
});

interface Spec {
  roles: Record<string, { program: string; args: string[] }>;
}

async function readSpec(state: string): Promise<Spec> {
  return JSON.parse(await Deno.readTextFile(`${state}/run/direct-spec.json`));
}

function procText(pid: number, what: "cmdline" | "environ"): string[] {
  return Deno.readTextFileSync(`/proc/${pid}/${what}`).split("\0");
}

Deno.test({
  name:
    "bundle alone: init writes service entries that run the bundle where it lies; through a launcher (the compiled shape) they run the launcher",
  ignore: !canRun,
  async fn() {
    const bundle = await theBundle();
    const sb = await makeSandbox();
    const seen: number[] = [];
    try {
      const init = await cliFrom(
        sb,
        bundle.command,
        ["init", "--supervisor", "direct"],
        bundle.dir,
      );
      assert.equal(init.code, 0, init.stdout + init.stderr);
      assert.match(init.stdout, /self-test passed/);
      assert.match(init.stdout, /init complete +mode: env-only/);
      seen.push(...await rolePids(sb.state, ROLES));
      const spec = await readSpec(sb.state);
      assert.deepEqual(spec.roles.daemon, {
        program: Deno.execPath(),
        args: ["run", ...DAEMON_SOURCE_PERMISSIONS, bundle.path, "--role", "daemon"],
      });
      assert.deepEqual(spec.roles.edge, {
        program: Deno.execPath(),
        args: ["run", ...SOURCE_PERMISSIONS, bundle.path, "--role", "edge"],
      });
      const daemon = await readRolePid(sb.state, "daemon");
      assert.ok(procText(daemon, "cmdline").includes(bundle.path));

      // The compiled binary's rendering: the entries run the executable itself.
      const launcher = await writeLauncher(`${bundle.dir}/bin/halton-meter`, bundle.path);
      const again = await cliFrom(sb, [launcher], ["init", "--supervisor", "direct"], sb.root);
      assert.equal(again.code, 0, again.stdout + again.stderr);
      seen.push(...await rolePids(sb.state, ROLES));
      const compiled = await readSpec(sb.state);
      for (const role of ["edge", "daemon", "watchdog", "userenv"]) {
        assert.deepEqual(compiled.roles[role], { program: launcher, args: ["--role", role] });
      }
      const restarted = await readRolePid(sb.state, "daemon");
      assert.notEqual(restarted, daemon, "init restarts the daemon so the new entries take effect");
      assert.ok(procText(restarted, "environ").includes(`HALTON_METER_EXECUTABLE=${launcher}`));

      const doctor = await cliFrom(sb, [launcher], ["doctor", "--json"], sb.root);
      const checks: { id: string; status: string; detail: string }[] =
        JSON.parse(doctor.stdout).checks;
      const services = checks.filter((c) => c.id.startsWith("service."));
      assert.ok(services.length > 0, doctor.stdout);
      for (const c of services) assert.equal(c.status, "PASS", JSON.stringify(c));

      const un = await cliFrom(sb, [launcher], ["uninstall"], sb.root);
      assert.equal(un.code, 0, un.stdout + un.stderr);
      assert.match(un.stdout, /uninstall complete/);
    } finally {
      await cleanup(sb, seen);
    }
  },
});

// The module-level bundle directory goes once every test above is done.
Deno.test("bundle: its directory is removed", async () => {
  if (built) await Deno.remove((await built).dir, { recursive: true });
});
