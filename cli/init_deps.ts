/**
 * The real dependencies of `init` and `uninstall`: the CA and bundle from daemon/certs, the
 * service backends, the self-test, and the machine modules (trust store, certifi, login
 * environment, system proxy) from `init_machine.ts`.
 */
import tls from "node:tls";
import { loadConfig } from "../config/mod.ts";
import { DEFAULT_PORTS, homePaths, readEffectivePorts } from "../core/mod.ts";
import { ensureCa, readSystemRoots, writeCaBundle } from "../daemon/certs/mod.ts";
import {
  chooseBackend,
  createCommandRunner,
  createFileDeps,
  createServiceSpec,
  type LaunchContext,
  probeSystemdUser,
} from "../setup/mod.ts";
import { runSelfTest } from "../setup/self_test.ts";
import { restoreCaCertificate } from "./_ca_recovery.ts";
import type { InitDeps } from "./init.ts";
import { createMachine, type MachineOptions } from "./init_machine.ts";
import { buildBackend, installedBackend, runStart } from "./start_stop.ts";
import { isPidAlive, probeHttp } from "./status.ts";
import type { UninstallDeps } from "./uninstall.ts";

export interface InitDepsInput extends MachineOptions {
  home: string;
  /** `--python PATH` values. */
  pythons: readonly string[];
  env: { get(key: string): string | undefined };
  /** How this program starts a role: what the service entries run. */
  launch: LaunchContext;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function configuredEdgePort(home: string): number {
  const loaded = loadConfig(homePaths(home).config);
  const port = loaded.ok ? loaded.config.ports?.edge : undefined;
  return port === undefined || port === 0 ? DEFAULT_PORTS.edge : port;
}

export async function createInitDeps(input: InitDepsInput): Promise<InitDeps> {
  const { home } = input;
  const paths = homePaths(home);
  const files = createFileDeps();
  const machine = await createMachine(input);
  const backendInput = { home, os: Deno.build.os, env: input.env, files };
  return {
    os: Deno.build.os,
    files,
    ...machine,
    pythons: input.pythons,
    async ensureCa() {
      // A key whose certificate was lost: the same CA comes back from a copy of it.
      const restoredFrom = await restoreCaCertificate(home, { files, trust: machine.trust });
      const ca = await ensureCa(home);
      return {
        certPath: ca.certPath,
        certPem: ca.certPem,
        created: ca.created,
        ...(restoredFrom === null ? {} : { restoredFrom }),
      };
    },
    async writeBundle() {
      const roots = await readSystemRoots();
      const pem = roots.kind === "found" ? roots.pem : tls.rootCertificates.join("\n");
      const path = await writeCaBundle(home, pem);
      return { path, roots: roots.kind === "found" ? roots.path : "built-in Mozilla roots" };
    },
    async pickBackend(override) {
      const hasSystemdUser = Deno.build.os === "linux" && override !== "direct"
        ? await probeSystemdUser(createCommandRunner())
        : false;
      const choice = chooseBackend({ os: Deno.build.os, hasSystemdUser, override });
      if (!choice.ok) return choice;
      return { ok: true, backend: buildBackend(choice.name, backendInput), reason: choice.reason };
    },
    serviceSpec: () => createServiceSpec({ home, launch: input.launch }),
    async edgePort() {
      // The roles were just started by the backend; the edge records its port once bound.
      for (let waited = 0; waited < 10_000; waited += 100) {
        const port = readEffectivePorts(paths.effectivePorts).edge;
        if (port !== undefined) {
          const probe = await probeHttp(port, "/health");
          if (probe.kind === "answered" && /"role":\s*"edge"/.test(probe.text)) return port;
        }
        await sleep(100);
      }
      return readEffectivePorts(paths.effectivePorts).edge ?? configuredEdgePort(home);
    },
    async startRoles(backend, print) {
      const code = await runStart({
        home,
        deps: {
          backend,
          isAlive: isPidAlive,
          probeHttp: (port, path) => probeHttp(port, path),
          sleep,
          now: Date.now,
          launch: input.launch,
        },
        print,
        printError: print,
      });
      return code === 0;
    },
    async selfTest() {
      const ports = readEffectivePorts(paths.effectivePorts);
      const token = (await files.readTextFile(paths.apiToken))?.trim() ?? "";
      const bundlePem = await files.readTextFile(paths.caBundle) ?? "";
      // Only Linux keeps its trust store as a PEM bundle; macOS' /etc/ssl/cert.pem is not the
      // keychain, so checking it there would report a trusted CA as untrusted.
      const roots = Deno.build.os === "linux"
        ? await readSystemRoots()
        : { kind: "not-found" as const };
      return await runSelfTest({
        edgePort: ports.edge ?? configuredEdgePort(home),
        apiPort: ports.api ?? DEFAULT_PORTS.api,
        token,
        bundlePem,
        systemRootsPem: roots.kind === "found" ? roots.pem : undefined,
      });
    },
    confirm: (question) =>
      Promise.resolve(
        Deno.stdin.isTerminal() ? windowConfirm(`halton-meter init: ${question}`) : true,
      ),
    async removeCa() {
      await Deno.remove(paths.caDir, { recursive: true });
    },
    now: () => new Date(),
  };
}

export async function createUninstallDeps(input: InitDepsInput): Promise<UninstallDeps> {
  const files = createFileDeps();
  const machine = await createMachine(input);
  return {
    files,
    ...machine,
    installedBackend: () =>
      installedBackend({ home: input.home, os: Deno.build.os, env: input.env, files }),
    async removeHome() {
      await Deno.remove(input.home, { recursive: true });
    },
  };
}

/**
 * The global `confirm` (a terminal prompt under Deno). Looked up on `globalThis`: this module is
 * in the graph of the entry module that also runs as the daemon's workers, whose type library
 * has no `confirm`.
 */
function windowConfirm(message: string): boolean {
  const prompt = (globalThis as { confirm?: (message: string) => boolean }).confirm;
  return prompt ? prompt(message) : false;
}
