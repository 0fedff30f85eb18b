/**
 * `halton-meter doctor [--json]` — the forensic walkthrough: every layer an install
 * touches (config, CA, OS trust by a real handshake, certifi, bundle, service entries,
 * processes, ports, daemon, API token, install mode, system proxy, database, disk) as
 * PASS / WARN / FAIL / SKIP with one line of detail and, for WARN and FAIL, the command to
 * paste next. Exit 1 when any check FAILs. Reads only: doctor never repairs anything.
 *
 * JSON (`docs/doctor.schema.json`): `{version, ok, checks: [{id, layer, status, detail, next?}]}`.
 */
import { homePaths, readEffectivePorts, VERSION } from "../core/mod.ts";
import {
  type CaTrust,
  type CertifiPatcher,
  type CommandRunner,
  createCommandRunner,
  createFileDeps,
  type LaunchContext,
  type ServiceBackend,
  type SystemProxyControl,
  systemProxyControlFromEnv,
} from "../setup/mod.ts";
import { createMachine } from "./init_machine.ts";
import { caChecks, type UsableCa } from "./_doctor_checks_ca.ts";
import { daemonChecks, portChecks, processChecks } from "./_doctor_checks_runtime.ts";
import { serviceChecks } from "./_doctor_checks_service.ts";
import {
  configCheck,
  databaseChecks,
  diskCheck,
  installChecks,
  loginEnvCheck,
  systemProxyCheck,
} from "./_doctor_checks_state.ts";
import { trustChecks } from "./_doctor_checks_trust.ts";
import { policyChecks } from "./_doctor_checks_policy.ts";
import { exportCheck } from "./_doctor_checks_export.ts";
import { initCommandFor, readInstallState } from "./_install_state.ts";
import { recoverCaCertificate } from "./_ca_recovery.ts";
import { findPortOwner, type PortOwner } from "./_port_owner.ts";
import { type HttpProbe, isPidAlive, probeHttp } from "./_probes.ts";
import { type HandshakeResult, trustHandshake } from "./_trust_handshake.ts";
import type { DoctorCheck } from "./doctor_check.ts";
import { resolveBackend } from "./start_stop.ts";
import { collectStatus } from "./status.ts";

export interface DoctorDeps {
  /** The service manager in use; `null` when none could be determined. */
  backend: ServiceBackend | null;
  isAlive(pid: number): boolean;
  probeHttp(port: number, path: string, headers?: Record<string, string>): Promise<HttpProbe>;
  /** Runs df, lsof, curl/openssl. */
  runner: CommandRunner;
  /** `Deno.build.os`. */
  os: string;
  now(): number;
  /** How this binary is started, to compare with the service entries. */
  launch: LaunchContext;
  portOwner(port: number, likely: readonly number[]): Promise<PortOwner>;
  trustHandshake(ca: UsableCa): Promise<HandshakeResult>;
  /** Optional modules (another part of setup provides them); without them: SKIP. */
  caTrust?: CaTrust;
  certifi?: CertifiPatcher;
  systemProxy?: SystemProxyControl;
  pythons?: readonly string[];
  /** Windows: the account Task Scheduler entries are for (`DOMAIN\\user`). */
  serviceUser?: string;
}

export interface DoctorReport {
  version: string;
  ok: boolean;
  checks: DoctorCheck[];
}

export interface DoctorOptions {
  home: string;
  json: boolean;
  deps: DoctorDeps;
  print: (line: string) => void;
}

/** `fn` asked once per key for the whole run; later askers share the first answer. */
function askOnce<A extends unknown[], R>(
  fn: (...args: A) => Promise<R>,
  key: (...args: A) => string,
): (...args: A) => Promise<R> {
  const seen = new Map<string, Promise<R>>();
  return (...args) => {
    const k = key(...args);
    let answer = seen.get(k);
    if (answer === undefined) seen.set(k, answer = fn(...args));
    return answer;
  };
}

/** Runs every check in a fixed order; never throws for an expected condition. */
export async function collectDoctor(home: string, deps: DoctorDeps): Promise<DoctorReport> {
  const paths = homePaths(home);
  const install = readInstallState(home);
  const ports = readEffectivePorts(paths.effectivePorts);
  // status (inside doctor) and the checks ask the same questions: the system proxy
  // (networksetup once per network service, gsettings four times) is asked once per run, and
  // the checks judge the daemon's /health as status read it (st.store, st.export), so both
  // judge the same answer.
  const control = deps.systemProxy;
  const systemProxy = control &&
    { ...control, state: askOnce((port: number) => control.state(port), String) };
  const st = await collectStatus(home, {
    backend: deps.backend,
    isAlive: deps.isAlive,
    probeHttp: (port, path) => deps.probeHttp(port, path),
    os: deps.os,
    systemProxy,
  }, { install, ports });
  const initCommand = initCommandFor(install);
  const ca = caChecks(home, {
    now: deps.now(),
    os: deps.os,
    initCommand,
    recovery: await recoverCaCertificate(home, { files: createFileDeps(), trust: deps.caTrust }),
  });
  const [trust, ownedPorts, daemon, loginEnv, proxy, disk] = await Promise.all([
    trustChecks(ca.ca, { ...deps, initCommand }),
    portChecks(home, ports, st, deps),
    daemonChecks(home, ports, st, deps),
    loginEnvCheck(home, install, ports.edge),
    systemProxyCheck(install, ports.edge, systemProxy),
    diskCheck(home, deps),
  ]);
  const checks: DoctorCheck[] = [
    configCheck(home),
    ...ca.checks.filter((c) => c.layer === "ca"),
    ...trust,
    ...ca.checks.filter((c) => c.layer === "bundle"),
    ...serviceChecks(home, { ...deps, initCommand }),
    ...processChecks(st, install, paths.logs),
    ...ownedPorts,
    ...daemon,
    ...installChecks(home, install),
    loginEnv,
    proxy,
    ...databaseChecks(home, st.store),
    exportCheck(home, st.export),
    disk,
    ...policyChecks(home, st.policy),
  ];
  return { version: VERSION, ok: checks.every((c) => c.status !== "FAIL"), checks };
}

/** The report as text: one line per check, its next action under WARN/FAIL, a tally. */
export function renderDoctor(r: DoctorReport): string[] {
  // Long ids (certifi.<interpreter path>) push only their own line, not the whole column.
  const w = Math.min(20, Math.max(...r.checks.map((c) => c.id.length))) + 2;
  const out = [`halton-meter v${r.version} · doctor`, ""];
  let layer = "";
  for (const c of r.checks) {
    if (c.layer !== layer && layer !== "") out.push("");
    layer = c.layer;
    out.push(`${c.status}  ${c.id.padEnd(w)}${c.id.length >= w ? "  " : ""}${c.detail}`);
    if (c.next) out.push(`${" ".repeat(6 + w)}→ ${c.next}`);
  }
  const n = (s: string) => r.checks.filter((c) => c.status === s).length;
  out.push("");
  out.push(
    `${n("PASS")} passed, ${n("WARN")} warnings, ${n("FAIL")} failed, ${n("SKIP")} skipped${
      r.ok ? "" : " — fix the FAIL lines first, top to bottom"
    }`,
  );
  return out;
}

/** Prints the report; exit 1 when any check failed. */
export async function runDoctor(opts: DoctorOptions): Promise<number> {
  const report = await collectDoctor(opts.home, opts.deps);
  if (opts.json) opts.print(JSON.stringify(report, null, 2));
  else for (const l of renderDoctor(report)) opts.print(l);
  return report.ok ? 0 : 1;
}

/**
 * Real dependencies. The trust store, certifi and system proxy modules are built by
 * `createMachine`, exactly as `init` builds them (test hooks included), and only their
 * read-only `state`/`discover` are called; `extra` replaces them. When the trust hooks
 * point the store into a sandbox, the handshake verifies against that sandbox's bundle.
 */
export async function createDoctorDeps(
  home: string,
  extra:
    & Pick<DoctorDeps, "launch">
    & Partial<Pick<DoctorDeps, "caTrust" | "certifi" | "systemProxy" | "pythons">>,
): Promise<DoctorDeps> {
  const runner = createCommandRunner();
  const files = createFileDeps();
  const os = Deno.build.os;
  let backend: ServiceBackend | null = null;
  try {
    backend = await resolveBackend({ home, os, env: Deno.env, files });
  } catch { /* reported as service.entries SKIP */ }
  // No HOME (or a bad hook value): the trust and certifi checks say SKIP, doctor still runs.
  const machine = await createMachine({ nonInteractive: true, env: Deno.env }).catch(() => null);
  const caFile = machine?.trustBundle;
  return {
    backend,
    isAlive: isPidAlive,
    probeHttp: (port, path, headers) => probeHttp(port, path, 2000, headers),
    runner,
    os,
    now: Date.now,
    serviceUser: os === "windows"
      ? `${Deno.env.get("USERDOMAIN") ?? ""}\\${Deno.env.get("USERNAME") ?? ""}`
      : undefined,
    portOwner: (port, likely) => findPortOwner(port, likely, { os, runner }),
    trustHandshake: (ca) => trustHandshake(ca, { runner, os, caFile }),
    ...extra,
    caTrust: extra.caTrust ?? machine?.trust,
    certifi: extra.certifi ?? machine?.certifi,
    systemProxy: extra.systemProxy ??
      machine?.systemProxy ??
      systemProxyControlFromEnv({ os, runner, env: Deno.env }),
  };
}
