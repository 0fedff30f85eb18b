/**
 * init and uninstall on macOS, Linux and Windows with the real machine modules (trust store,
 * certifi, login environment, system proxy) and the real service backends, acting through a
 * recording runner and in-memory files. The transcript of every command and every file
 * changed outside the state directory, across env-only → apps → full → env-only →
 * uninstall, is compared with a golden file per OS (`UPDATE_GOLDEN=1` rewrites them;
 * review the diff).
 */
import assert from "node:assert/strict";
import {
  createCaTrust,
  createCertifiPatcher,
  createLoginEnvironment,
  createMemoryFiles,
  createRecordingRunner,
  createServiceSpec,
  launchdBackend,
  type MemoryFiles,
  type ServiceBackend,
  systemdBackend,
  taskSchedulerBackend,
} from "../setup/mod.ts";
import { createSystemProxyControl } from "../setup/mod.ts";
import { type InitDeps, type InstallMode, runInit } from "./init.ts";
import { runUninstall, type UninstallDeps } from "./uninstall.ts";
import { respond } from "./_init_recorded_machine.ts";

type Os = "darwin" | "linux" | "windows";

const CA_PEM = await Deno.readTextFile(
  new URL("../setup/_trust_fixtures.ts", import.meta.url),
).then((t) => /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(t)![0] + "\n");

const THUMBPRINT = Array.from(
  new Uint8Array(
    await crypto.subtle.digest(
      "SHA-1",
      Uint8Array.from(atob(CA_PEM.replace(/-----[A-Z ]+-----|\s+/g, "")), (ch) => ch.charCodeAt(0)),
    ),
  ),
  (b) => b.toString(16).padStart(2, "0").toUpperCase(),
).join("");

function layout(os: Os) {
  if (os === "windows") {
    const user = "C:\\Users\\ada";
    return { user, home: `${user}\\.halton-meter`, sep: "\\" };
  }
  const user = os === "darwin" ? "/Users/ada" : "/home/ada";
  return { user, home: `${user}/.halton-meter`, sep: "/" };
}

function world(os: Os) {
  const { user, home, sep } = layout(os);
  const caPath = `${home}${sep}ca${sep}halton-meter-ca.pem`;
  const bundle = os === "windows"
    ? "C:\\Python312\\Lib\\site-packages\\certifi\\cacert.pem"
    : `${user}/.venv/lib/python3.12/site-packages/certifi/cacert.pem`;
  const memory = createMemoryFiles({
    [bundle]: "# certifi roots\n",
    [`${user}${sep}.zshrc`]: "export EDITOR=vim\n",
  });
  // What a real machine already has (MemoryFiles.mkdir does not create parents).
  if (os === "linux") {
    for (const d of [`${user}/.config`, "/etc/ca-certificates/update.d"]) memory.dirs.add(d);
  }
  const python = os === "windows" ? "C:\\Python312\\python.exe" : "/usr/bin/python3";
  memory.files.set(python, "");
  // One log, in the order things happened: commands and file changes outside the state dir.
  const log: string[] = [];
  const note = (op: string, path: string) => {
    if (!path.startsWith(home)) log.push(`${op} ${path}`);
  };
  const files: MemoryFiles = {
    ...memory,
    writeFile: (path, data, o) => (note("write", path), memory.writeFile(path, data, o)),
    removeFile: (path) => (note("remove", path), memory.removeFile(path)),
    mkdir: (path) => (note("mkdir", path), memory.mkdir(path)),
  };
  const answer = respond(os, memory, { bundle, thumbprint: THUMBPRINT });
  const runner = createRecordingRunner((cmd, args) => {
    log.push(`$ ${[cmd, ...args].join(" ")}`);
    return answer(cmd, args);
  });
  const backend: ServiceBackend = os === "darwin"
    ? launchdBackend({ runner, files, userHome: user, uid: 501 })
    : os === "linux"
    ? systemdBackend({ runner, files, unitDir: `${user}/.config/systemd/user` })
    : taskSchedulerBackend({ runner, files, taskDir: `${home}\\service` });
  const machine = {
    trust: createCaTrust({
      os,
      runner,
      files,
      userHome: user,
      isRoot: false,
      nonInteractive: false,
      linuxFamily: "debian",
    }),
    certifi: createCertifiPatcher({
      runner,
      files,
      env: { PATH: os === "windows" ? "C:\\Python312" : "/usr/bin", HOME: user },
      isRoot: false,
      os,
      listDir: () => Promise.resolve(null),
    }),
    loginEnv: createLoginEnvironment({ os, runner, files, userHome: user, loginShell: "zsh" }),
    loginTarget: { userHome: user, loginShell: "zsh" },
    systemProxy: createSystemProxyControl({ os, runner }),
  };
  const execPath = os === "windows"
    ? "C:\\Program Files\\Halton Meter\\halton-meter.exe"
    : "/usr/local/bin/halton-meter";
  const initDeps: InitDeps = {
    os,
    files,
    ...machine,
    pythons: [],
    ensureCa: async () => {
      const created = !files.files.has(caPath);
      await files.writeFile(caPath, CA_PEM);
      return { certPath: caPath, certPem: CA_PEM, created };
    },
    writeBundle: () =>
      Promise.resolve({ path: `${home}${sep}ca${sep}ca-bundle.pem`, roots: "system" }),
    pickBackend: () => Promise.resolve({ ok: true, backend, reason: `${os} default` }),
    serviceSpec: () =>
      createServiceSpec({
        home,
        launch: { execPath, mainModule: "", compiled: true },
        ...(os === "windows" ? { user: "HOST\\ada" } : {}),
      }),
    edgePort: () => Promise.resolve(8081),
    startRoles: async (b) => (await b.start(["daemon", "watchdog"])).ok,
    selfTest: () => Promise.resolve({ ok: true, ms: 5, systemTrust: "trusted", detail: "ok" }),
    confirm: () => Promise.resolve(true),
    removeCa: () => Promise.resolve(),
    now: () => new Date("2026-01-02T03:04:05Z"),
  };
  const uninstallDeps: UninstallDeps = {
    files,
    ...machine,
    installedBackend: () => Promise.resolve(backend),
    removeHome: () => Promise.resolve(),
  };
  return { files, log, initDeps, uninstallDeps };
}

async function scenario(
  os: Os,
  modes: InstallMode[],
  uninstall: { graceful: boolean },
): Promise<string> {
  const w = world(os);
  const { home } = layout(os);
  const out: string[] = [];
  const phase = async (title: string, fn: () => Promise<number>) => {
    if (Deno.env.get("DEBUG_RECORDED")) console.error(`=== ${title}`);
    const from = w.log.length;
    const code = await fn();
    out.push(`## ${title}: exit ${code}`, ...w.log.slice(from), "");
  };
  const print = (l: string) => {
    if (Deno.env.get("DEBUG_RECORDED")) console.error(l);
  };
  for (const mode of modes) {
    await phase(`init ${mode}`, () =>
      runInit(
        { home, mode, shellRc: true, clean: false, print, printError: print },
        w.initDeps,
      ));
  }
  await phase(`uninstall${uninstall.graceful ? " --graceful" : ""}`, () =>
    runUninstall(
      { home, graceful: uninstall.graceful, purge: false, print, printError: print },
      w.uninstallDeps,
    ));
  const rc = await w.files.readTextFile(`${layout(os).user}${layout(os).sep}.zshrc`);
  out.push(`## ~/.zshrc after uninstall: ${JSON.stringify(rc)}`, "");
  return out.join("\n");
}

async function assertTranscript(name: string, actual: string): Promise<void> {
  const url = new URL(`./testdata/${name}`, import.meta.url);
  if (Deno.env.get("UPDATE_GOLDEN") === "1") {
    await Deno.mkdir(new URL(".", url), { recursive: true });
    await Deno.writeTextFile(url, actual);
  }
  assert.equal(
    actual,
    await Deno.readTextFile(url),
    `${name} differs (UPDATE_GOLDEN=1 rewrites it)`,
  );
  assert.match(actual, /## ~\/\.zshrc after uninstall: "export EDITOR=vim\\n"/);
  assert.doesNotMatch(actual, /: exit [12]/, "no step failed");
}

for (const os of ["darwin", "linux", "windows"] as Os[]) {
  Deno.test(`init/uninstall recorded on ${os}: env-only → apps → full → env-only → uninstall`, async () => {
    const modes: InstallMode[] = ["env-only", "apps", "full", "env-only"];
    await assertTranscript(
      `init_recorded_${os}.txt`,
      await scenario(os, modes, { graceful: false }),
    );
  });
  Deno.test(`init/uninstall recorded on ${os}: full → uninstall --graceful`, async () => {
    await assertTranscript(
      `init_recorded_${os}_full_graceful.txt`,
      await scenario(os, ["full"], { graceful: true }),
    );
  });
}
