/**
 * Fakes for the init/uninstall orchestration tests: every machine module and the service
 * backend append what they were asked to one `events` list, so a test asserts the exact
 * order of changes across a run (and across mode switches).
 */
import {
  type CaTrust,
  type CertifiPatcher,
  createMemoryFiles,
  type LoginEnvironment,
  type MemoryFiles,
  type Role,
  type ServiceBackend,
  type SetupReport,
  type SystemProxyControl,
  type SystemProxySnapshot,
} from "../setup/mod.ts";
import type { SelfTestResult } from "../setup/self_test.ts";
import type { InitDeps } from "./init.ts";
import type { UninstallDeps } from "./uninstall.ts";

export const HOME = "/home/u/.halton-meter";
export const CA_PATH = `${HOME}/ca/halton-meter-ca.pem`;
export const CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
export const BUNDLE = "/home/u/venv/lib/certifi/cacert.pem";
export const BASHRC = "/home/u/.bashrc";
export const ENV_D = "/home/u/.config/environment.d/halton-meter.conf";
export const PRE_INIT_PROXY: SystemProxySnapshot = { backend: "gsettings", data: { mode: "none" } };

const done = (action: string, detail = ""): SetupReport => ({
  ok: true,
  steps: [{ action, outcome: "done", detail }],
});

export interface World {
  events: string[];
  files: MemoryFiles;
  /** Machine state the fakes keep between runs. */
  machine: {
    trusted: boolean;
    patched: boolean;
    envFiles: string[];
    proxy: "on" | "off";
    installed: boolean;
    caExists: boolean;
  };
  /** Results the next self-tests return, in order (default: pass). */
  selfTests: SelfTestResult[];
  /** What the next role starts report, in order (default: every role started). */
  starts: boolean[];
  /** Make the trust step need the user (no root, no sudo). */
  trustManual: boolean;
  /** Make removing the CA from the trust store fail (its certificate cannot be read). */
  untrustFails: boolean;
  /** What the user answers when init asks (restart a running daemon). */
  confirmAnswer: boolean;
  /** The environment the last `loginEnv.apply` got. */
  lastEnv: Record<string, string> | null;
  initDeps(): InitDeps;
  uninstallDeps(): UninstallDeps;
}

export function createWorld(): World {
  const events: string[] = [];
  const files = createMemoryFiles();
  const machine = {
    trusted: false,
    patched: false,
    envFiles: [] as string[],
    proxy: "off" as "on" | "off",
    installed: false,
    caExists: false,
  };
  const world: World = {
    events,
    files,
    machine,
    selfTests: [],
    starts: [],
    trustManual: false,
    untrustFails: false,
    lastEnv: null,
    confirmAnswer: true,
    initDeps: () => initDeps(world),
    uninstallDeps: () => ({ files, ...machineDeps(world), installedBackend, removeHome }),
  };
  const backend = fakeBackend(world);
  async function installedBackend() {
    return await Promise.resolve(machine.installed ? backend : null);
  }
  function removeHome() {
    events.push(`purge ${HOME}`);
    for (const path of [...files.files.keys()]) {
      if (path.startsWith(`${HOME}/`)) files.files.delete(path);
    }
    return Promise.resolve();
  }
  function initDeps(w: World): InitDeps {
    return {
      os: "linux",
      files,
      ...machineDeps(w),
      pythons: [],
      ensureCa() {
        const created = !machine.caExists;
        machine.caExists = true;
        events.push(created ? "ca create" : "ca tighten");
        return Promise.resolve({ certPath: CA_PATH, certPem: CA_PEM, created });
      },
      writeBundle() {
        events.push("bundle write");
        return Promise.resolve({ path: `${HOME}/ca/ca-bundle.pem`, roots: "/etc/ssl/certs" });
      },
      pickBackend: (override) =>
        Promise.resolve(
          override === "bogus"
            ? { ok: false, error: 'Unknown supervisor "bogus"' }
            : { ok: true, backend, reason: "test" },
        ),
      serviceSpec: () => ({ home: HOME, logDir: `${HOME}/logs`, env: {}, roles: {} as never }),
      edgePort: () => Promise.resolve(18081),
      async startRoles(_b, print) {
        events.push("start roles");
        // What the roles write themselves: the daemon its API token, the edge its ports.
        if (!files.files.has(`${HOME}/api-token`)) {
          await files.writeFile(`${HOME}/api-token`, "t0k3n\n", { mode: 0o600 });
        }
        await files.writeFile(`${HOME}/effective-ports.json`, '{"edge":18081}\n');
        const ok = w.starts.shift() ?? true;
        print(ok ? "✓ daemon healthy" : "✗ watchdog is not running");
        return ok;
      },
      selfTest() {
        events.push("self-test");
        return Promise.resolve(
          w.selfTests.shift() ??
            { ok: true, ms: 12, systemTrust: "trusted", detail: "TLS intercepted, row written" },
        );
      },
      confirm(question) {
        events.push(`confirm ${question.split(":")[0]}`);
        return Promise.resolve(w.confirmAnswer);
      },
      removeCa() {
        machine.caExists = false;
        events.push("ca remove");
        return Promise.resolve();
      },
      now: () => new Date("2026-01-02T03:04:05Z"),
    };
  }
  return world;
}

function machineDeps(w: World) {
  const { events, machine } = w;
  const trust: CaTrust = {
    describe: () => "debian: update-ca-certificates",
    install(path) {
      events.push(`trust install ${path}`);
      if (w.trustManual) {
        return Promise.resolve({
          ok: true,
          steps: [{
            action: "trust CA",
            outcome: "manual" as const,
            detail: "needs root",
            command:
              `sudo cp ${path} /usr/local/share/ca-certificates/ && sudo update-ca-certificates`,
          }],
        });
      }
      machine.trusted = true;
      return Promise.resolve(done("trust CA", path));
    },
    remove(path) {
      events.push(`trust remove ${path}`);
      if (w.untrustFails) {
        return Promise.resolve({
          ok: false,
          steps: [{
            action: "untrust CA",
            outcome: "failed" as const,
            detail: `Cannot read ${path}`,
          }],
        });
      }
      machine.trusted = false;
      return Promise.resolve(done("untrust CA", path));
    },
    state: () => Promise.resolve(machine.trusted ? "trusted" : "untrusted"),
  };
  const certifi: CertifiPatcher = {
    discover: () => Promise.resolve([{ python: "/home/u/venv/bin/python", bundle: BUNDLE }]),
    patch(bundles) {
      events.push(`certifi patch ${bundles.join(",")}`);
      machine.patched = true;
      return Promise.resolve(done("patch certifi", bundles.join(",")));
    },
    unpatch(bundles) {
      events.push(`certifi unpatch ${bundles.join(",")}`);
      machine.patched = false;
      return Promise.resolve(done("unpatch certifi", bundles.join(",")));
    },
    state: () => Promise.resolve(machine.patched ? "patched" : "unpatched"),
  };
  const loginEnv: LoginEnvironment = {
    apply(env, opts) {
      events.push(`env apply HTTPS_PROXY=${env.HTTPS_PROXY} shellRc=${opts.shellRc}`);
      w.lastEnv = env;
      const created = machine.envFiles.includes(ENV_D) ? [] : [ENV_D];
      machine.envFiles = opts.shellRc ? [BASHRC, ENV_D] : [ENV_D];
      return Promise.resolve({ ...done("write env", machine.envFiles.join(",")), created });
    },
    remove(created) {
      events.push(`env remove created=${created.join(",")}`);
      machine.envFiles = [];
      return Promise.resolve(done("remove env"));
    },
    present: () => Promise.resolve([...machine.envFiles]),
  };
  const systemProxy: SystemProxyControl = {
    backend: "gsettings",
    capture() {
      events.push("proxy capture");
      return Promise.resolve(PRE_INIT_PROXY);
    },
    enable(port) {
      events.push(`proxy enable ${port}`);
      machine.proxy = "on";
      return Promise.resolve(done("system proxy", `127.0.0.1:${port}`));
    },
    disable() {
      events.push("proxy disable");
      machine.proxy = "off";
      return Promise.resolve(done("system proxy off"));
    },
    restore(snapshot) {
      events.push(`proxy restore ${JSON.stringify(snapshot.data)}`);
      machine.proxy = "off";
      return Promise.resolve(done("system proxy restored"));
    },
    state: () => Promise.resolve(machine.proxy),
  };
  return { trust, certifi, loginEnv, loginTarget: { userHome: "/home/ada" }, systemProxy };
}

function fakeBackend(w: World): ServiceBackend {
  const { events, machine } = w;
  const ok = (action: string, roles: readonly Role[]) => ({
    ok: true,
    steps: roles.map((role) => ({ role, action, outcome: "done" as const, detail: "" })),
  });
  return {
    name: "direct",
    install() {
      events.push("service install");
      machine.installed = true;
      return Promise.resolve(ok("spawn", ["edge", "daemon", "watchdog"]));
    },
    start(roles) {
      events.push(`service start ${roles.join(",")}`);
      return Promise.resolve(ok("spawn", roles));
    },
    stop(roles) {
      events.push(`service stop ${roles.join(",")}`);
      return Promise.resolve(ok("kill", roles));
    },
    uninstall({ graceful }) {
      events.push(`service uninstall graceful=${graceful}`);
      machine.installed = false;
      return Promise.resolve(ok("kill", graceful ? ["daemon"] : ["daemon", "edge"]));
    },
    status: (role) =>
      Promise.resolve({ role, state: machine.installed ? "running" : "not_installed" }),
    entryFile: () => null,
  };
}
