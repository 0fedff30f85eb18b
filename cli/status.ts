/**
 * `halton-meter status [--json]` — the fast overview of every component an install touches.
 *
 * Process state comes from the service backend (pid files for the direct backend) combined
 * with a liveness check; listener state from a real `GET /health` on each loopback port, so a
 * port held by someone else shows up as `inconsistent` rather than `healthy`.
 */
import { homePaths, type Ports, readEffectivePorts, VERSION } from "../core/mod.ts";
import type { Role, ServiceBackend, ServiceStatus, SystemProxyControl } from "../setup/mod.ts";
import {
  describeSentinels,
  initCommandFor,
  type InstallState,
  readInstallState,
} from "./_install_state.ts";
import { healthPid, type HttpProbe, readPidFile, serviceLabel } from "./_probes.ts";
import { type StoreRow, storeRow } from "./_store_row.ts";
import { type UserenvRow, userenvStatus } from "./_userenv_status.ts";
import { type PolicyView, readPolicyView } from "./policy/_policy_view.ts";

export { type HttpProbe, isPidAlive, probeHttp, serviceLabel } from "./_probes.ts";
export type { StoreRow } from "./_store_row.ts";

export type ComponentState = "healthy" | "stopped" | "unbound" | "inconsistent" | "unknown";

export interface StatusDeps {
  /** The service manager in use; `null` when none could be determined. */
  backend: ServiceBackend | null;
  isAlive(pid: number): boolean;
  probeHttp(port: number, path: string): Promise<HttpProbe>;
  /** `Deno.build.os`. */
  os: string;
  /** Reads the OS-wide proxy back (full mode); without it the state is assumed from the mode. */
  systemProxy?: SystemProxyControl;
  /** The policy as the daemon enforces it (or from file and database); default: readPolicyView. */
  policyView?(home: string): Promise<PolicyView>;
}

export interface StatusOptions {
  home: string;
  json: boolean;
  deps: StatusDeps;
  print: (line: string) => void;
}

interface Component {
  state: ComponentState;
  detail: string;
}

export interface StatusReport {
  version: string;
  install_mode: string;
  supervisor: string | null;
  daemon: Component & { pid: number | null; label: string };
  watchdog: Component & { pid: number | null; label: string };
  edge: Component & { pid: number | null; port: number | null };
  userenv: UserenvRow;
  mitm_listener: Component & { port: number | null };
  api: Component & { port: number | null };
  /** The calls store as the daemon reports it: `degraded` while the database refuses rows. */
  store: StoreRow;
  ports: { edge: number | null; internal: number | null; api: number | null };
  system_proxy: { state: "on" | "off" | "unknown"; detail: string };
  sentinels: Component & {
    proxy_managed: boolean;
    apps_managed: boolean;
    graceful_stop: boolean;
  };
  policy: PolicyRow;
}

/** The policy line: what is in force and how the budgets stand. */
export interface PolicyRow {
  /** `loaded`; `none` (no policy.json); `invalid` (the file is broken); `unknown` (unreadable). */
  state: "loaded" | "none" | "invalid" | "unknown";
  detail: string;
  /** The daemon enforces it (false: the daemon is not running; counts come from the database). */
  enforced: boolean;
  rules: number;
  budgets: number;
  quota: number;
  budgets_near: number;
  budgets_over: number;
  error: string | null;
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;

/** The policy row from a policy view (see docs/STATUS.md). */
export function policyRow(view: PolicyView): PolicyRow {
  const s = view.state;
  const near = view.budgets.filter((b) => b.state === "warn").length;
  const over = view.budgets.filter((b) => b.state === "exceeded").length;
  const enforced = view.source === "daemon";
  const parts: string[] = [];
  if (s.rules || s.budgets || s.quota || s.state === "loaded") {
    let budgets = plural(s.budgets, "budget");
    if (near || over) {
      budgets += ` (${
        [near && `${near} near cap`, over && `${over} over`].filter(Boolean).join(", ")
      })`;
    }
    parts.push([plural(s.rules, "rule"), budgets, plural(s.quota, "quota rule")].join(" · "));
  }
  if (s.state === "none") parts.push("no policy.json: every call allowed");
  if (s.state === "invalid") {
    parts.push(
      `${s.error}; ${
        s.loadedAt !== null ? "the last good policy stays in force" : "no policy in force"
      }`,
    );
  }
  if (s.totalsError) parts.push(`budgets not enforced: ${s.totalsError}`);
  if (s.evaluationErrors) parts.push(`${s.evaluationErrors} evaluation error(s), calls allowed`);
  if (!enforced && s.state !== "none") parts.push("not enforced: the daemon is not running");
  return {
    state: s.state,
    detail: parts.join("; "),
    enforced,
    rules: s.rules,
    budgets: s.budgets,
    quota: s.quota,
    budgets_near: near,
    budgets_over: over,
    error: s.error ?? s.totalsError ?? null,
  };
}

async function readPolicyRow(home: string, deps: StatusDeps): Promise<PolicyRow> {
  try {
    return policyRow(await (deps.policyView ?? readPolicyView)(home));
  } catch (err) {
    return {
      state: "unknown",
      detail: `cannot read the policy: ${(err as Error).message}`,
      enforced: false,
      rules: 0,
      budgets: 0,
      quota: 0,
      budgets_near: 0,
      budgets_over: 0,
      error: (err as Error).message,
    };
  }
}

interface ProcessView {
  pid: number | null;
  alive: boolean;
  service: ServiceStatus | null;
}

async function processView(home: string, role: Role, deps: StatusDeps): Promise<ProcessView> {
  let service: ServiceStatus | null = null;
  if (deps.backend) {
    try {
      service = await deps.backend.status(role);
    } catch (err) {
      service = { role, state: "unknown", detail: String(err) };
    }
  }
  const pid = service?.pid ?? readPidFile(`${homePaths(home).run}/${role}.pid`);
  return { pid, alive: pid !== null && deps.isAlive(pid), service };
}

function listener(
  name: string,
  port: number | undefined,
  probe: HttpProbe | null,
  ownerPid: number | null,
): Component & { port: number | null } {
  if (port === undefined || probe === null) {
    return { state: "unbound", detail: "no port recorded in effective-ports.json", port: null };
  }
  const where = `127.0.0.1:${port}`;
  if (probe.kind === "refused") return { state: "unbound", detail: `${where} not held`, port };
  const pid = healthPid(probe);
  if (pid !== null && pid === ownerPid) return { state: "healthy", detail: where, port };
  const who = pid !== null ? `Halton Meter pid ${pid} that is not the daemon` : "another process";
  return { state: "inconsistent", detail: `${where} answered by ${who} (${name})`, port };
}

/**
 * The system proxy as `doctor` judges it too: read back through `SystemProxyControl` when
 * one is available; otherwise only full mode is in doubt (the other modes never touch it).
 */
async function readSystemProxy(
  deps: StatusDeps,
  mode: string,
  edgePort: number | undefined,
): Promise<StatusReport["system_proxy"]> {
  if (deps.systemProxy && deps.systemProxy.backend !== "none" && edgePort !== undefined) {
    let state: Awaited<ReturnType<SystemProxyControl["state"]>>;
    try {
      state = await deps.systemProxy.state(edgePort);
    } catch (err) {
      return { state: "unknown", detail: `${deps.systemProxy.backend}: ${String(err)}` };
    }
    const shown = state === "foreign" ? "off" : state;
    const what = state === "foreign" ? "another proxy is set" : state;
    return { state: shown, detail: `${what} (${deps.systemProxy.backend}, ${mode} mode)` };
  }
  return mode === "full"
    ? { state: "unknown", detail: `full mode; not probed on ${deps.os} yet` }
    : { state: "off", detail: `(${mode} mode)` };
}

/** The files status judges by; `doctor` passes what it read, so both judge the same view. */
export interface StatusInputs {
  install: InstallState;
  ports: Partial<Ports>;
}

/** Collects the status report; never throws for an expected condition. */
export async function collectStatus(
  home: string,
  deps: StatusDeps,
  inputs: StatusInputs = {
    install: readInstallState(home),
    ports: readEffectivePorts(homePaths(home).effectivePorts),
  },
): Promise<StatusReport> {
  const { install, ports } = inputs;
  const mode = install.mode;
  const [daemonP, watchdogP, edgeP, userenvP] = await Promise.all(
    (["daemon", "watchdog", "edge", "userenv"] as const).map((r) => processView(home, r, deps)),
  );
  const probe = (port: number | undefined) =>
    port === undefined ? Promise.resolve(null) : deps.probeHttp(port, "/health");
  const [mitmProbe, apiProbe, edgeProbe] = await Promise.all([
    probe(ports.internal),
    probe(ports.api),
    probe(ports.edge),
  ]);

  const daemonPid = daemonP.alive ? daemonP.pid : null;
  const mitm = listener("mitm listener", ports.internal, mitmProbe, daemonPid);
  const api = listener("api listener", ports.api, apiProbe, daemonPid);
  const daemonLabel = serviceLabel(deps.backend, "daemon");
  let daemon: Component;
  if (daemonP.alive) {
    daemon = mitm.state === "healthy" && api.state === "healthy"
      ? { state: "healthy", detail: `PID ${daemonP.pid} · ${daemonLabel}` }
      : {
        state: "unbound",
        detail: `PID ${daemonP.pid} alive but its listeners do not answer; see halton-meter doctor`,
      };
  } else if (mitmProbe && healthPid(mitmProbe) !== null) {
    daemon = {
      state: "inconsistent",
      detail: `a daemon (pid ${healthPid(mitmProbe)}) answers but ${daemonLabel} does not know it`,
    };
  } else if (daemonP.service?.state === "unknown") {
    daemon = { state: "unknown", detail: daemonP.service.detail ?? "service manager did not say" };
  } else {
    daemon = {
      state: "stopped",
      detail: daemonP.pid !== null ? `stale pid ${daemonP.pid}` : "not running",
    };
  }

  const edgePort = ports.edge ?? null;
  const edgeAnswer = edgeProbe ? healthPid(edgeProbe, "edge") : null;
  let edge: Component;
  if (edgeP.alive) {
    edge = edgeAnswer === edgeP.pid
      ? { state: "healthy", detail: `PID ${edgeP.pid} · 127.0.0.1:${edgePort}` }
      : { state: "unbound", detail: `PID ${edgeP.pid} alive but 127.0.0.1:${edgePort} silent` };
  } else if (edgeAnswer !== null) {
    edge = { state: "inconsistent", detail: `an edge (pid ${edgeAnswer}) answers untracked` };
  } else if (edgeP.service?.state === "unknown") {
    edge = { state: "unknown", detail: edgeP.service.detail ?? "service manager did not say" };
  } else {
    edge = { state: "stopped", detail: "not running: apps with HTTPS_PROXY set cannot connect" };
  }

  const watchdogLabel = serviceLabel(deps.backend, "watchdog");
  const watchdog: Component = watchdogP.alive
    ? { state: "healthy", detail: `PID ${watchdogP.pid} · ${watchdogLabel}` }
    : watchdogP.service?.state === "unknown"
    ? { state: "unknown", detail: watchdogP.service.detail ?? "service manager did not say" }
    : { state: "stopped", detail: "not running" };

  const [userenv, policy] = await Promise.all([
    userenvStatus(home, mode, userenvP.alive ? userenvP.pid : null),
    readPolicyRow(home, deps),
  ]);

  const { proxyManaged, appsManaged, wantProxy, wantApps } = install;
  const sentinelDetail = describeSentinels(install);
  const systemProxy = install.proxyUnmanaged !== null
    ? { state: "off" as const, detail: `full mode, none managed here: ${install.proxyUnmanaged}` }
    : await readSystemProxy(deps, mode, ports.edge);

  // Only our own daemon's answer counts; anything else leaves the store unknown.
  const store = storeRow(api.state === "healthy" ? apiProbe : null);
  return {
    version: VERSION,
    install_mode: mode,
    supervisor: deps.backend?.name ?? null,
    daemon: { ...daemon, pid: daemonP.alive ? daemonP.pid : null, label: daemonLabel },
    watchdog: { ...watchdog, pid: watchdogP.alive ? watchdogP.pid : null, label: watchdogLabel },
    edge: { ...edge, pid: edgeP.alive ? edgeP.pid : null, port: edgePort },
    userenv,
    mitm_listener: mitm,
    api,
    store,
    ports: { edge: edgePort, internal: ports.internal ?? null, api: ports.api ?? null },
    system_proxy: systemProxy,
    sentinels: {
      state: install.consistent ? "healthy" : "inconsistent",
      detail: install.consistent
        ? sentinelDetail
        : `${sentinelDetail} (expected for ${mode} mode: ${wantProxy ? "✓" : "-"}/${
          wantApps ? "✓" : "-"
        }); run ${initCommandFor(install)} to reconcile`,
      proxy_managed: proxyManaged,
      apps_managed: appsManaged,
      graceful_stop: install.gracefulStop,
    },
    policy,
  };
}

/** The table: one row per component, header `halton-meter v<VERSION> · status`. */
export function renderStatusTable(r: StatusReport, home: string): string[] {
  const rows: [string, string, string][] = [
    ["install-mode", r.install_mode, homePaths(home).installMode],
    ["daemon", r.daemon.state, r.daemon.detail],
    ["watchdog", r.watchdog.state, r.watchdog.detail],
    ["edge", r.edge.state, r.edge.detail],
    ["userenv", r.userenv.state, r.userenv.detail],
    ["mitm listener", r.mitm_listener.state, r.mitm_listener.detail],
    ["api listener", r.api.state, r.api.detail],
    ["store", r.store.state, r.store.detail],
    ["system-proxy", r.system_proxy.state, r.system_proxy.detail],
    ["sentinels", r.sentinels.state, r.sentinels.detail],
    ["policy", r.policy.state, r.policy.detail],
  ];
  const w0 = Math.max(9, ...rows.map((x) => x[0].length)) + 2;
  const w1 = Math.max(5, ...rows.map((x) => x[1].length)) + 2;
  const line = (a: string, b: string, c: string) => `${a.padEnd(w0)}${b.padEnd(w1)}${c}`;
  const out = [`halton-meter v${r.version} · status`, "", line("component", "state", "detail")];
  out.push("─".repeat(w0 + w1 + 40));
  for (const [a, b, c] of rows) out.push(line(a, b, c));
  return out;
}

/** Prints the table or the JSON object; always exit 0 (`doctor` is the one that fails). */
export async function runStatus(opts: StatusOptions): Promise<number> {
  const report = await collectStatus(opts.home, opts.deps);
  if (opts.json) opts.print(JSON.stringify(report, null, 2));
  else for (const l of renderStatusTable(report, opts.home)) opts.print(l);
  return 0;
}
