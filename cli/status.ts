/**
 * `halton-meter status [--json]` — the fast overview of every component an install touches.
 *
 * Process state comes from the service backend (pid files for the direct backend) combined
 * with a liveness check; listener state from a real `GET /health` on each loopback port, so a
 * port held by someone else shows up as `inconsistent` rather than `healthy`.
 */
import process from "node:process";
import { homePaths, readEffectivePorts, VERSION } from "../core/mod.ts";
import {
  launchdLabel,
  type Role,
  scheduledTaskName,
  type ServiceBackend,
  type ServiceStatus,
  systemdUnitName,
} from "../setup/mod.ts";

export type ComponentState = "healthy" | "stopped" | "unbound" | "inconsistent" | "unknown";

/** What a loopback `GET <path>` got: nothing listening, an HTTP answer, or something else. */
export type HttpProbe =
  | { kind: "refused" }
  | { kind: "answered"; status: number; text: string }
  | { kind: "error"; message: string };

export interface StatusDeps {
  /** The service manager in use; `null` when none could be determined. */
  backend: ServiceBackend | null;
  isAlive(pid: number): boolean;
  probeHttp(port: number, path: string): Promise<HttpProbe>;
  /** `Deno.build.os`. */
  os: string;
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
  userenv: Component;
  mitm_listener: Component & { port: number | null };
  api: Component & { port: number | null };
  ports: { edge: number | null; internal: number | null; api: number | null };
  system_proxy: { state: "on" | "off" | "unknown"; detail: string };
  sentinels: Component & {
    proxy_managed: boolean;
    apps_managed: boolean;
    graceful_stop: boolean;
  };
}

const INSTALL_MODES = ["env-only", "apps", "full"];

/** The role's name in the service manager, for the detail column and `daemon.label`. */
export function serviceLabel(backend: ServiceBackend | null, role: Role): string {
  switch (backend?.name) {
    case "systemd":
      return systemdUnitName(role);
    case "schtasks":
      return scheduledTaskName(role);
    case "direct":
      return `run/${role}.pid`;
    default:
      return launchdLabel(role);
  }
}

/** Liveness of a pid; a zombie (exited, not yet reaped) counts as dead. */
export function isPidAlive(pid: number): boolean {
  if (Deno.build.os === "linux") {
    try {
      return !/^\d+ \(.*\) [ZX]/.test(Deno.readTextFileSync(`/proc/${pid}/stat`));
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return false;
      // /proc unreadable: fall back to signal 0.
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the pid exists but belongs to someone else.
    return (err as { code?: unknown }).code === "EPERM";
  }
}

/** `GET <path>` on 127.0.0.1:<port> over a raw socket (fetch would honour proxy variables). */
export async function probeHttp(port: number, path: string, timeoutMs = 1000): Promise<HttpProbe> {
  let conn: Deno.TcpConn;
  try {
    conn = await Deno.connect({ hostname: "127.0.0.1", port });
  } catch (err) {
    if (err instanceof Deno.errors.ConnectionRefused) return { kind: "refused" };
    return { kind: "error", message: String(err) };
  }
  // Closing the socket is what ends a read that never completes.
  const timer = setTimeout(() => {
    try {
      conn.close();
    } catch { /* closed */ }
  }, timeoutMs);
  let text = "";
  try {
    const req = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`;
    const bytes = new TextEncoder().encode(req);
    let off = 0;
    while (off < bytes.length) off += await conn.write(bytes.subarray(off));
    const buf = new Uint8Array(16384);
    const dec = new TextDecoder();
    while (text.length < 65536) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += dec.decode(buf.subarray(0, n), { stream: true });
    }
  } catch (err) {
    if (text === "") return { kind: "error", message: String(err) };
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch { /* closed */ }
  }
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
  if (!m) return { kind: "error", message: "not an HTTP answer" };
  return { kind: "answered", status: Number(m[1]), text };
}

/** The `pid` a Halton Meter `/health` body reports, or null when the answer is not ours. */
function healthPid(probe: HttpProbe, role?: string): number | null {
  if (probe.kind !== "answered" || probe.status !== 200) return null;
  if (role !== undefined && !new RegExp(`"role":\\s*"${role}"`).test(probe.text)) return null;
  const m = /"pid":\s*(\d+)/.exec(probe.text);
  return m ? Number(m[1]) : null;
}

function readText(path: string): string | null {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return null;
  }
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function readPidFile(path: string): number | null {
  const pid = Number(readText(path)?.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
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

/** Collects the status report; never throws for an expected condition. */
export async function collectStatus(home: string, deps: StatusDeps): Promise<StatusReport> {
  const paths = homePaths(home);
  const rawMode = readText(paths.installMode)?.trim();
  const mode = rawMode === undefined || rawMode === ""
    ? "none"
    : INSTALL_MODES.includes(rawMode)
    ? rawMode
    : "unknown";
  const ports = readEffectivePorts(paths.effectivePorts);
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

  const userenv: Component = mode === "apps" || mode === "full"
    ? userenvP.alive
      ? { state: "healthy", detail: `PID ${userenvP.pid} (applying the login environment)` }
      : { state: "stopped", detail: "one-shot: runs once at login" }
    : { state: "stopped", detail: `not used in ${mode} mode` };

  const proxyManaged = exists(paths.proxyManaged);
  const appsManaged = exists(paths.appsManaged);
  const wantProxy = mode === "full";
  const wantApps = mode === "apps" || mode === "full";
  const sentinelsOk = proxyManaged === wantProxy && appsManaged === wantApps;
  const sentinelDetail = `proxy-managed: ${proxyManaged ? "✓" : "-"}  apps-managed: ${
    appsManaged ? "✓" : "-"
  }`;

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
    ports: { edge: edgePort, internal: ports.internal ?? null, api: ports.api ?? null },
    // Only full mode touches the system proxy; reading it back is not implemented on this OS yet.
    system_proxy: wantProxy
      ? { state: "unknown", detail: `full mode; not probed on ${deps.os} yet` }
      : { state: "off", detail: `(${mode} mode)` },
    sentinels: {
      state: sentinelsOk ? "healthy" : "inconsistent",
      detail: sentinelsOk
        ? sentinelDetail
        : `${sentinelDetail} (expected for ${mode} mode: ${wantProxy ? "✓" : "-"}/${
          wantApps ? "✓" : "-"
        }); run halton-meter init to reconcile`,
      proxy_managed: proxyManaged,
      apps_managed: appsManaged,
      graceful_stop: exists(paths.gracefulStop),
    },
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
    ["system-proxy", r.system_proxy.state, r.system_proxy.detail],
    ["sentinels", r.sentinels.state, r.sentinels.detail],
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
