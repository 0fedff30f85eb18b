/**
 * Files and settings: config parses, install mode and its sentinels, the system proxy
 * against the mode, the database (`PRAGMA quick_check` on a read-only connection, so a
 * running daemon never meets a lock of ours), the spool, and free disk under the home.
 */
import { loadConfig } from "../config/mod.ts";
import { homePaths } from "../core/mod.ts";
import {
  type CommandRunner,
  createFileDeps,
  loginEnvEdgePort,
  readLoginEnvRecord,
  shellQuote,
  type SystemProxyControl,
} from "../setup/mod.ts";
import { describeSentinels, initCommandFor, type InstallState } from "./_install_state.ts";
import { openReadOnlyDatabase } from "./_read_only_database.ts";
import { spoolCheck } from "./_doctor_checks_store.ts";
import type { StoreRow } from "./_store_row.ts";
import { check, type DoctorCheck } from "./doctor_check.ts";

export const DISK_WARN_BYTES = 1024 ** 3;
export const DISK_FAIL_BYTES = 100 * 1024 ** 2;

export function configCheck(home: string): DoctorCheck {
  const r = loadConfig(homePaths(home).config);
  if (!r.ok) {
    return check("config.parse", "FAIL", r.message, `\${EDITOR:-vi} ${shellQuote(r.path)}`);
  }
  return check(
    "config.parse",
    "PASS",
    r.exists ? `${r.path} is valid` : `no ${r.path}: defaults apply`,
  );
}

export function installChecks(home: string, s: InstallState): DoctorCheck[] {
  const path = homePaths(home).installMode;
  const out: DoctorCheck[] = [];
  if (s.mode === "none") {
    out.push(check(
      "install.mode",
      "WARN",
      `no ${path}: init has not run here (fine for halton-meter up)`,
      "halton-meter init --apps",
    ));
  } else if (s.mode === "unknown") {
    out.push(check(
      "install.mode",
      "FAIL",
      `${path} holds ${JSON.stringify(s.raw)}, not env-only, apps or full`,
      "halton-meter init --apps  # or plain init / --full: rewrites the mode",
    ));
  } else out.push(check("install.mode", "PASS", `${s.mode} (${path})`));

  const have = describeSentinels(s);
  if (s.mode === "none" && !s.proxyManaged && !s.appsManaged) {
    out.push(check("install.sentinels", "SKIP", "not initialised"));
  } else if (s.consistent) {
    out.push(check("install.sentinels", "PASS", `${have} (as ${s.mode} mode expects)`));
  } else {
    out.push(check(
      "install.sentinels",
      "FAIL",
      `${have}, but ${s.mode} mode expects proxy-managed: ${
        s.wantProxy ? "✓" : "-"
      }  apps-managed: ${s.wantApps ? "✓" : "-"}`,
      `${initCommandFor(s)}  # reconciles the mode's state`,
    ));
  }
  return out;
}

/**
 * Apps and full mode: the login environment (`login-env.json`, and the rc blocks,
 * environment.d, launchctl or HKCU written from it) must name the port the edge is on now.
 * An edge back on another port (port 0, a fallback) leaves every new shell on a dead proxy
 * until the watchdog (or the next login) re-applies it.
 */
export async function loginEnvCheck(
  home: string,
  s: InstallState,
  edgePort: number | undefined,
): Promise<DoctorCheck> {
  const id = "install.login-env";
  if (s.mode !== "apps" && s.mode !== "full") {
    return check(id, "SKIP", `not used in ${s.mode === "none" ? "this home" : `${s.mode} mode`}`);
  }
  const path = homePaths(home).loginEnv;
  const read = await readLoginEnvRecord(createFileDeps(), path);
  if (read.kind !== "found") {
    return check(
      id,
      "FAIL",
      read.kind === "missing"
        ? `${s.mode} mode, but no ${path}: nothing re-applies the login environment`
        : read.message,
      `${initCommandFor(s)}  # records and applies it again`,
    );
  }
  const recorded = loginEnvEdgePort(read.value.env);
  if (recorded === null) return check(id, "SKIP", `${path} names no loopback edge port`);
  if (edgePort === undefined) {
    return check(id, "SKIP", `no edge port recorded to compare with 127.0.0.1:${recorded}`);
  }
  if (recorded !== edgePort) {
    return check(
      id,
      "FAIL",
      `the login environment (${path}, the shell rc blocks and environment.d or launchctl) ` +
        `points at 127.0.0.1:${recorded}, but the edge is on 127.0.0.1:${edgePort}: new shells ` +
        "and apps get a proxy that is not there",
      "halton-meter --role userenv  # re-points it at the edge (the watchdog does too); " +
        "then open a new shell: shells already open keep the old HTTPS_PROXY",
    );
  }
  return check(id, "PASS", `HTTPS_PROXY of new shells and apps is the edge 127.0.0.1:${edgePort}`);
}

export async function systemProxyCheck(
  s: InstallState,
  edgePort: number | undefined,
  control: SystemProxyControl | undefined,
): Promise<DoctorCheck> {
  const id = "system-proxy.mode";
  if (s.proxyUnmanaged !== null) {
    return check(
      id,
      "SKIP",
      `full mode, but init found no system proxy to manage: ${s.proxyUnmanaged}`,
    );
  }
  if (!control || control.backend === "none") {
    return s.mode === "full"
      ? check(id, "SKIP", "full mode, but this build cannot read the system proxy here")
      : check(id, "SKIP", `not used in ${s.mode} mode; no system proxy probe here`);
  }
  if (edgePort === undefined) return check(id, "SKIP", "no edge port recorded to compare with");
  let state;
  try {
    state = await control.state(edgePort);
  } catch (err) {
    return check(id, "WARN", `${control.backend}: ${String(err)}`, initCommandFor(s));
  }
  const at = `127.0.0.1:${edgePort}`;
  if (s.mode === "full") {
    if (state === "on") return check(id, "PASS", `${control.backend} points at the edge ${at}`);
    return check(
      id,
      "FAIL",
      state === "foreign"
        ? `full mode, but ${control.backend} points at another proxy`
        : `full mode, but ${control.backend} proxy is ${state}: browsers and GUI apps bypass metering`,
      "halton-meter init --full",
    );
  }
  if (state === "on") {
    return check(
      id,
      "FAIL",
      `${s.mode} mode, but ${control.backend} still points at ${at}: left over from full mode`,
      `${initCommandFor(s)}  # turns it off again`,
    );
  }
  return check(id, "PASS", `${control.backend}: ${state} (${s.mode} mode leaves it alone)`);
}

/**
 * Runs `PRAGMA quick_check` read-only (never creates the file), and counts rows waiting in
 * the spool: from `store` (the running daemon's report) when given, else from the file.
 */
export function databaseChecks(home: string, store?: StoreRow): DoctorCheck[] {
  const p = homePaths(home);
  const out: DoctorCheck[] = [];
  const moveAside = `halton-meter stop && mv ${shellQuote(p.db)} ${
    shellQuote(`${p.db}.corrupt`)
  } && halton-meter start  # a new database is created; the old one is kept`;
  let size: number | null = null;
  try {
    size = Deno.statSync(p.db).size;
  } catch { /* missing */ }
  if (size === null) {
    out.push(check("database.integrity", "SKIP", `no ${p.db} yet (the daemon creates it)`));
  } else {
    try {
      using ro = openReadOnlyDatabase(p.db);
      const rows = ro.db.prepare("PRAGMA quick_check(5)").all() as Record<string, unknown>[];
      const said = rows.map((r) => String(Object.values(r)[0]));
      out.push(
        said.length === 1 && said[0] === "ok"
          ? check("database.integrity", "PASS", `quick_check ok (${p.db}, ${size} bytes)`)
          : check(
            "database.integrity",
            "FAIL",
            `quick_check on ${p.db}: ${said.join("; ").slice(0, 300)}`,
            moveAside,
          ),
      );
    } catch (err) {
      const msg = (err as Error).message;
      out.push(
        /locked|busy/i.test(msg)
          ? check(
            "database.integrity",
            "WARN",
            `${p.db} is locked by another process: ${msg}`,
            "halton-meter doctor  # run again in a moment",
          )
          : check("database.integrity", "FAIL", `cannot check ${p.db}: ${msg}`, moveAside),
      );
    }
  }

  out.push(spoolCheck(home, store));
  return out;
}

/** Free space on the filesystem holding the home (`df -Pk`); Windows is not probed. */
export async function diskCheck(
  home: string,
  deps: { runner: CommandRunner; os: string },
): Promise<DoctorCheck> {
  if (deps.os === "windows") return check("disk.free", "SKIP", "not probed on Windows");
  let dir = home;
  // The home may not exist yet: ask about the nearest existing parent.
  while (dir.length > 1) {
    try {
      Deno.statSync(dir);
      break;
    } catch {
      dir = dir.replace(/\/[^/]*\/?$/, "") || "/";
    }
  }
  const r = await deps.runner.run("df", ["-Pk", dir]);
  const fields = r.stdout.trim().split("\n").at(-1)?.trim().split(/\s+/) ?? [];
  const availKb = Number(fields[3]);
  if (r.code !== 0 || fields.length < 6 || !Number.isFinite(availKb)) {
    return check(
      "disk.free",
      "WARN",
      `df -Pk ${dir} exited ${r.code}: ${(r.stderr || r.stdout).trim().split("\n")[0]}`,
      `df -Pk ${shellQuote(dir)}`,
    );
  }
  const bytes = availKb * 1024;
  const human = bytes >= 1024 ** 3
    ? `${(bytes / 1024 ** 3).toFixed(1)} GiB`
    : `${(bytes / 1024 ** 2).toFixed(0)} MiB`;
  const mount = fields.slice(5).join(" ");
  const cleanup = `du -sh ${shellQuote(home)}/* | sort -h  # then free space on ${mount}`;
  if (bytes < DISK_FAIL_BYTES) {
    return check(
      "disk.free",
      "FAIL",
      `${human} free on ${mount}: rows will be dropped soon`,
      cleanup,
    );
  }
  if (bytes < DISK_WARN_BYTES) {
    return check("disk.free", "WARN", `${human} free on ${mount} (under 1 GiB)`, cleanup);
  }
  return check("disk.free", "PASS", `${human} free on ${mount}`);
}
