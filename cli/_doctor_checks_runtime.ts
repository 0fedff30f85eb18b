/**
 * Running state: the processes and listeners exactly as `status` sees them (one
 * `collectStatus` report, so the two commands cannot disagree), who holds each port in
 * `effective-ports.json`, the daemon's store state from its API `/health`, and the API
 * token (file mode, and whether the running API accepts it).
 */
import { homePaths, type Ports } from "../core/mod.ts";
import type { InstallState } from "./_install_state.ts";
import type { PortOwner } from "./_port_owner.ts";
import { type HttpProbe, readPidFile } from "./_probes.ts";
import { storeCheck } from "./_doctor_checks_store.ts";
import { check, type DoctorCheck, octalMode } from "./doctor_check.ts";
import { shellQuote } from "../setup/mod.ts";
import type { StatusReport } from "./status.ts";

export interface RuntimeCheckDeps {
  probeHttp(port: number, path: string, headers?: Record<string, string>): Promise<HttpProbe>;
  portOwner(port: number, likely: readonly number[]): Promise<PortOwner>;
  os: string;
}

const START = "halton-meter start";
const RESTART = "halton-meter stop && halton-meter start";

export function processChecks(st: StatusReport, install: InstallState, logs: string) {
  const out: DoctorCheck[] = [];
  const edge = st.edge;
  if (edge.state === "healthy") out.push(check("process.edge", "PASS", edge.detail));
  else if (edge.state === "unknown") out.push(check("process.edge", "WARN", edge.detail, START));
  else {
    out.push(check(
      "process.edge",
      "FAIL",
      edge.state === "stopped" ? edge.detail : `${edge.state}: ${edge.detail}`,
      edge.state === "stopped" ? START : `${RESTART}  # see ${logs}/edge.log`,
    ));
  }

  const daemon = st.daemon;
  if (daemon.state === "healthy") out.push(check("process.daemon", "PASS", daemon.detail));
  else if (daemon.state === "stopped" && install.gracefulStop) {
    out.push(check(
      "process.daemon",
      "WARN",
      "stopped by halton-meter stop: traffic passes through the edge unmetered",
      START,
    ));
  } else if (daemon.state === "stopped") {
    out.push(check(
      "process.daemon",
      "FAIL",
      `not running and not stopped on purpose (${daemon.detail}): it exited or was killed`,
      `${START}  # then read ${logs}/daemon.log`,
    ));
  } else if (daemon.state === "unknown") {
    out.push(check("process.daemon", "WARN", daemon.detail, START));
  } else {
    out.push(check(
      "process.daemon",
      "FAIL",
      `${daemon.state}: ${daemon.detail}`,
      `${RESTART}  # see ${logs}/daemon.log`,
    ));
  }

  const wd = st.watchdog;
  if (wd.state === "healthy") out.push(check("process.watchdog", "PASS", wd.detail));
  else if (daemon.state === "stopped" && install.gracefulStop) {
    out.push(check("process.watchdog", "PASS", "stopped with the daemon by halton-meter stop"));
  } else {
    out.push(check(
      "process.watchdog",
      "WARN",
      `${wd.state}: nothing restarts the daemon if it dies`,
      RESTART,
    ));
  }
  return out;
}

type PortName = keyof Ports;
const PORT_ROLE: Record<PortName, "edge" | "daemon"> = {
  edge: "edge",
  internal: "daemon",
  api: "daemon",
};

export async function portChecks(
  home: string,
  ports: Partial<Ports>,
  st: StatusReport,
  deps: RuntimeCheckDeps,
): Promise<DoctorCheck[]> {
  const paths = homePaths(home);
  if (ports.edge === undefined && ports.internal === undefined && ports.api === undefined) {
    return [check(
      "port.all",
      "FAIL",
      `no ports recorded in ${paths.effectivePorts}: no role has started in this home`,
      START,
    )];
  }
  const out: DoctorCheck[] = [];
  for (const name of ["edge", "internal", "api"] as const) {
    const id = `port.${name}`;
    const port = ports[name];
    const role = PORT_ROLE[name];
    if (port === undefined) {
      out.push(check(id, "FAIL", `no ${name} port in ${paths.effectivePorts}`, START));
      continue;
    }
    const where = `127.0.0.1:${port}`;
    const running = role === "edge" ? st.edge.pid : st.daemon.pid;
    const pidFile = readPidFile(`${paths.run}/${role}.pid`);
    const likely = [running, pidFile].filter((p): p is number => p !== null);
    let owner: PortOwner;
    try {
      owner = await deps.portOwner(port, likely);
    } catch (err) {
      owner = { kind: "unknown", detail: String(err) };
    }
    if (owner.kind === "unknown") {
      out.push(check(id, "SKIP", `${where}: owner not probed (${owner.detail})`));
    } else if (owner.kind === "free") {
      if (running === null && role === "daemon") {
        out.push(check(id, "SKIP", `${where} free: the daemon is not running`));
      } else {
        out.push(check(
          id,
          "FAIL",
          running === null
            ? `${where} is not held: the ${role} is not running`
            : `${where} is not held, though the ${role} (pid ${running}) is alive`,
          running === null ? START : RESTART,
        ));
      }
    } else if (running !== null && owner.pids.includes(running)) {
      out.push(check(id, "PASS", `${where} held by the ${role} (pid ${running})`));
    } else {
      const who = owner.pids.length === 0 ? "a process of another user" : owner.commands.join(", ");
      const expected = running === null
        ? `the ${role} is not running`
        : `not the ${role} (pid ${running})`;
      const kill = owner.pids.length > 0 ? `kill ${owner.pids.join(" ")}` : `# free ${where}`;
      out.push(check(
        id,
        "FAIL",
        `${where} held by ${who}; ${expected}`,
        `${kill}  # or set ports.${name} in ${shellQuote(paths.config)}; then ${
          running === null ? START : RESTART
        }`,
      ));
    }
  }
  return out;
}

/** The token file: present and owner-only; returns the token for the API probe. */
function tokenCheck(
  path: string,
  apiUp: boolean,
  os: string,
): { token: string | null; result: DoctorCheck } {
  let stat: Deno.FileInfo;
  try {
    stat = Deno.statSync(path);
  } catch {
    // Without a running daemon a missing token is expected to appear at its next start.
    return {
      token: null,
      result: check(
        "api.token",
        apiUp ? "FAIL" : "WARN",
        `${path} is missing (the daemon creates it at start)`,
        RESTART,
      ),
    };
  }
  let token: string;
  try {
    token = Deno.readTextFileSync(path).trim();
  } catch (err) {
    return {
      token: null,
      result: check(
        "api.token",
        "FAIL",
        `cannot read ${path}: ${(err as Error).message}`,
        `ls -l ${shellQuote(path)}`,
      ),
    };
  }
  const mode = (stat.mode ?? 0) & 0o777;
  if (os !== "windows" && (mode & 0o077) !== 0) {
    return {
      token,
      result: check(
        "api.token",
        "FAIL",
        `${path} is mode ${octalMode(mode)}: other users can read your usage`,
        `chmod 600 ${shellQuote(path)}`,
      ),
    };
  }
  return { token, result: check("api.token", "PASS", `${path} present, owner-only`) };
}

/** The store as status read it from the daemon's `/health`, and the API token. */
export async function daemonChecks(
  home: string,
  ports: Partial<Ports>,
  st: StatusReport,
  deps: RuntimeCheckDeps,
): Promise<DoctorCheck[]> {
  const paths = homePaths(home);
  const out: DoctorCheck[] = [];
  const apiUp = st.api.state === "healthy" && ports.api !== undefined;
  if (!apiUp) {
    out.push(check("daemon.store", "SKIP", `the daemon's API does not answer (${st.api.detail})`));
  } else {
    out.push(storeCheck(home, st.store, ports.api!));
  }

  const { token, result } = tokenCheck(paths.apiToken, apiUp, deps.os);
  out.push(result);
  if (!apiUp || token === null) {
    out.push(check("api.auth", "SKIP", apiUp ? "no token to try" : "the API is not running"));
  } else {
    const probe = await deps.probeHttp(ports.api!, "/v1/calls?limit=1", {
      Authorization: `Bearer ${token}`,
    });
    if (probe.kind === "answered" && probe.status === 200) {
      out.push(check("api.auth", "PASS", `GET /v1/calls accepted the token`));
    } else {
      const got = probe.kind === "answered" ? `HTTP ${probe.status}` : probe.kind;
      out.push(check(
        "api.auth",
        "FAIL",
        `GET /v1/calls with the token from ${paths.apiToken} got ${got}`,
        probe.kind === "answered" && probe.status === 401
          ? `${RESTART}  # the daemon reads api-token at start`
          : `tail -n 20 ${shellQuote(`${paths.logs}/daemon.log`)}`,
      ));
    }
  }
  return out;
}
