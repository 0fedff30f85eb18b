/**
 * The sandbox `tests/init_test.ts` runs `init` / `uninstall` in: HOME, HALTON_METER_HOME, the
 * Debian trust store (real `update-ca-certificates`, every directory redirected through
 * HALTON_METER_TRUST_PATHS), a Python whose certifi bundle is a copy, and the direct backend.
 */
import { MAIN } from "./role_process.ts";
import { SOURCE_PERMISSIONS } from "../../setup/mod.ts";
import { makeDebianTrustStore, MOZILLA_CERTS } from "./debian_trust_store.ts";
import { homeProcesses, pidAlive, rolePids } from "./processes.ts";

export const exists = (p: string) => Deno.stat(p).then(() => true, () => false);
/** Root on Linux with update-ca-certificates, the Mozilla roots and python3. */
export const canRun = Deno.build.os === "linux" && Deno.uid() === 0 &&
  await exists("/usr/sbin/update-ca-certificates") && await exists(MOZILLA_CERTS) &&
  await exists("/usr/bin/python3");

export interface Sandbox {
  root: string;
  home: string;
  state: string;
  env: Record<string, string>;
  /** sha-256 of every file (and symlink target) under the paths that must come back unchanged. */
  fingerprint(): Promise<Record<string, string>>;
}

async function sha(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function walk(dir: string, out: Record<string, string>, skip: string[]): Promise<void> {
  for await (const e of Deno.readDir(dir)) {
    const p = `${dir}/${e.name}`;
    if (skip.some((s) => p === s || p.startsWith(`${s}/`))) continue;
    if (e.isSymlink) out[p] = `-> ${await Deno.readLink(p)}`;
    else if (e.isDirectory) {
      out[p] = "dir";
      await walk(p, out, skip);
    } else out[p] = await sha(p);
  }
}

export interface SandboxOptions {
  /** The bundle the sandboxed certifi starts as a copy of (default: one Mozilla root). */
  certifiFrom?: string;
  /** PEM files put in the sandboxed local trust directory before its first refresh. */
  localRoots?: Record<string, string>;
  /** A Python file every start of the sandboxed interpreter runs first (a site hook's stand-in). */
  pythonStartup?: string;
}

export async function makeSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const root = await Deno.makeTempDir({ prefix: "hm-init-" });
  const home = `${root}/home`;
  const state = `${home}/.halton-meter`;
  await Deno.mkdir(`${root}/local`, { recursive: true });
  for (const [name, pem] of Object.entries(opts.localRoots ?? {})) {
    await Deno.writeTextFile(`${root}/local/${name}`, pem);
  }
  const store = await makeDebianTrustStore(root);
  const d = { ...store, site: `${root}/site`, bin: `${root}/bin` };
  for (const dir of [`${d.site}/certifi`, d.bin]) await Deno.mkdir(dir, { recursive: true });
  await Deno.mkdir(state, { recursive: true });
  // A certifi package of our own whose bundle is a copy: the real one is never reachable.
  await Deno.writeTextFile(
    `${d.site}/certifi/__init__.py`,
    "import os\ndef where():\n    return os.path.join(os.path.dirname(__file__), 'cacert.pem')\n",
  );
  await Deno.copyFile(
    opts.certifiFrom ?? `${d.share}/mozilla/${d.roots[0]}`,
    `${d.site}/certifi/cacert.pem`,
  );
  // -S: no site hooks of this machine may touch the copy; no bytecode files beside it either.
  const pyEnv = `PYTHONDONTWRITEBYTECODE=1 PYTHONPATH='${d.site}'`;
  const startup = opts.pythonStartup === undefined
    ? ""
    : `${pyEnv} /usr/bin/python3 -S '${opts.pythonStartup}'\n`;
  for (const name of ["python3", "python"]) {
    await Deno.writeTextFile(
      `${d.bin}/${name}`,
      `#!/bin/sh\n${startup}${pyEnv} exec /usr/bin/python3 -S "$@"\n`,
      { mode: 0o755 },
    );
  }
  await Deno.writeTextFile(`${home}/.bashrc`, "# the user's own bashrc\nalias ll='ls -l'\n");
  await Deno.writeTextFile(
    `${state}/config.json`,
    JSON.stringify({ ports: { edge: 0, internal: 0, api: 0 } }),
  );
  const env: Record<string, string> = {
    HOME: home,
    HALTON_METER_HOME: state,
    PATH: `${d.bin}:/usr/sbin:/usr/bin:/sbin:/bin`,
    PYENV_ROOT: `${root}/pyenv`,
    SHELL: "/bin/bash",
    NO_COLOR: "1",
    // The module cache stays where it is: a sandboxed HOME must not mean a fresh download.
    DENO_DIR: Deno.env.get("DENO_DIR") ?? `${Deno.env.get("HOME")}/.cache/deno`,
    HALTON_METER_TRUST_FAMILY: "debian",
    HALTON_METER_SYSTEM_PROXY: "none",
    HALTON_METER_TRUST_PATHS: JSON.stringify({
      debianLocalDir: d.local,
      debianBundle: d.bundle,
      debianArgs: d.args,
    }),
  };
  return {
    root,
    home,
    state,
    env,
    async fingerprint() {
      const out: Record<string, string> = {};
      await walk(home, out, [state, `${home}/.cache`]);
      for (const dir of [d.local, d.etc, d.site]) await walk(dir, out, []);
      return out;
    },
  };
}

/** Runs `main.ts` in the sandbox, as the launcher does (named permissions, not -A). */
export async function cli(sb: Sandbox, ...args: string[]) {
  return await cliFrom(sb, [Deno.execPath(), "run", "--quiet", ...SOURCE_PERMISSIONS, MAIN], args);
}

/**
 * Runs the program in the sandbox through `command` (the program and its leading arguments:
 * `deno run … bundle.js`, or a launcher), from `cwd` when given.
 */
export async function cliFrom(
  sb: Sandbox,
  command: string[],
  args: string[],
  cwd?: string,
) {
  const out = await new Deno.Command(command[0], {
    args: [...command.slice(1), ...args],
    env: sb.env,
    clearEnv: true,
    stdin: "null",
    cwd,
  }).output();
  const d = new TextDecoder();
  return { code: out.code, stdout: d.decode(out.stdout), stderr: d.decode(out.stderr) };
}

export const ROLES = ["edge", "daemon", "watchdog", "userenv"];

export async function cleanup(sb: Sandbox, seen: number[]): Promise<void> {
  for (const pid of [...seen, ...await rolePids(sb.state, ROLES), ...homeProcesses(sb.state)]) {
    if (pid > 0 && pidAlive(pid)) Deno.kill(pid, "SIGKILL");
  }
  await Deno.remove(sb.root, { recursive: true }).catch(() => {});
}

/** This machine's real certifi bundle (python3 on PATH), or null when it has none. */
export async function realCertifiBundle(): Promise<string | null> {
  const out = await new Deno.Command("python3", {
    args: ["-c", "import certifi, os; print(os.path.realpath(certifi.where()))"],
    stdout: "piped",
    stderr: "null",
  }).output().catch(() => null);
  const path = out?.success ? new TextDecoder().decode(out.stdout).trim() : "";
  return path !== "" && await exists(path) ? path : null;
}
