/**
 * The `userenv` role: a one-shot the service manager runs at each login (launchd
 * `com.haltonlabs.meter.userenv`, the systemd oneshot, the Task Scheduler logon task; the
 * direct backend at install/start). It re-applies the login environment init recorded in
 * `login-env.json`:
 * - macOS: `launchctl setenv` per variable, because launchctl's environment does not
 *   survive logout (and the rc blocks, made current);
 * - Linux: `environment.d` and the rc blocks, present and current;
 * - Windows: `HKCU\Environment` persists by itself: verified, re-added only when missing.
 * Env-only mode (or no install) has nothing to do and exits 0. Every run is logged to
 * `logs/userenv.log` and leaves `run/userenv-applied.json` for `status`.
 *
 * When the edge answers on another port than the recorded one (it came back on port 0 or a
 * fallback), the record is re-pointed at it first and that is applied. The watchdog runs this
 * as soon as it sees the edge move; shells already open keep their old `HTTPS_PROXY`.
 */
import { homePaths, type Logger } from "../core/mod.ts";
import {
  type FileDeps,
  loginEnvEdgePort,
  type LoginEnvironment,
  type LoginEnvTarget,
  readLoginEnvRecord,
  retargetLoginEnv,
  type SetupReport,
  writeLoginEnvRecord,
  writeUserenvApplied,
} from "../setup/mod.ts";
import { mergeSystemState, readSystemState, writeSystemState } from "../setup/system_state.ts";

export interface UserenvDeps {
  files: FileDeps;
  /** The login environment module for the user init wrote it for. */
  loginEnvFor(target: LoginEnvTarget): LoginEnvironment;
  /** `Deno.build.os`. */
  os: string;
  log: Logger;
  now(): Date;
  /**
   * The port our edge answers on right now, or null when none answers (at login it may not
   * be up yet). When it differs from the recorded one, the record follows it.
   */
  edgePort?(): Promise<number | null>;
}

export interface RunUserenvOptions {
  home: string;
  deps: UserenvDeps;
}

/** An init that started this long ago and left its marker behind has died. */
export const INIT_RUNNING_MAX_AGE_MS = 10 * 60_000;

/** Runs once; resolves with the exit code (0 applied or nothing to do, 1 failed). */
export async function runUserenv(opts: RunUserenvOptions): Promise<number> {
  const paths = homePaths(opts.home);
  const { files, log } = opts.deps;
  const now = opts.deps.now();
  const mode = (await files.readTextFile(paths.installMode))?.trim() || "none";
  if (mode !== "apps" && mode !== "full") {
    log.log("info", `nothing to do: ${mode} mode sets no login environment`, { mode });
    return 0;
  }
  const initStarted = Date.parse((await files.readTextFile(paths.initRunning))?.trim() ?? "");
  if (!Number.isNaN(initStarted) && now.getTime() - initStarted < INIT_RUNNING_MAX_AGE_MS) {
    // init writes the login environment itself a moment later, possibly a different one.
    log.log("info", "init is running and applies the login environment itself: nothing to do");
    return 0;
  }
  const read = await readLoginEnvRecord(files, paths.loginEnv);
  if (read.kind !== "found") {
    log.log(
      "error",
      read.kind === "missing"
        ? `${mode} mode, but ${paths.loginEnv} is missing: run halton-meter init --${mode} to record the login environment`
        : `${read.message}: run halton-meter init --${mode} to rewrite it`,
    );
    return 1;
  }
  let record = read.value;
  // The edge came back on another port (port 0, or a fallback when its own was taken): the
  // login environment follows it, or every new shell and app points at a dead port.
  const live = await opts.deps.edgePort?.() ?? null;
  const recorded = loginEnvEdgePort(record.env);
  const moved = live !== null && recorded !== null && live !== recorded;
  if (moved) {
    record = {
      ...record,
      env: retargetLoginEnv(record.env, live),
      recorded_at: now.toISOString(),
    };
    await writeLoginEnvRecord(files, paths.loginEnv, record);
    log.log("warn", "the edge moved: login environment re-pointed at it", {
      from: `127.0.0.1:${recorded}`,
      to: `127.0.0.1:${live}`,
    });
  }
  const loginEnv = opts.deps.loginEnvFor(record.target);

  let report: SetupReport & { created?: string[] };
  if (
    !moved && opts.deps.os === "windows" && (await loginEnv.present()).includes("registry")
  ) {
    // HKCU\Environment persists across sign-ins: nothing to re-apply, only to check.
    report = {
      ok: true,
      steps: [{
        action: "login env (HKCU\\Environment)",
        outcome: "skipped",
        detail: "present (persistent across sign-ins): verified",
      }],
    };
  } else {
    try {
      report = await loginEnv.apply(record.env, { shellRc: record.shell_rc });
    } catch (err) {
      report = {
        ok: false,
        steps: [{ action: "apply login env", outcome: "failed", detail: String(err) }],
      };
    }
  }
  for (const step of report.steps) {
    log.log(step.outcome === "failed" ? "error" : "info", `${step.action}: ${step.outcome}`, {
      detail: step.detail,
    });
  }

  // Files recreated here (a user deleted ~/.profile, say) are ours to delete at uninstall.
  const created = report.created ?? [];
  if (created.length > 0) {
    const stored = await readSystemState(files, paths.systemState);
    if (stored.kind === "found") {
      await writeSystemState(
        files,
        paths.systemState,
        mergeSystemState(stored.state, { files_created: created }, now.toISOString()),
      );
    } else {
      log.log("warn", "created files not recorded: no valid system_state.json", {
        created: created.join(", "),
      });
    }
  }

  const failed = report.steps.filter((s) => s.outcome === "failed");
  const detail = failed.length > 0
    ? failed.map((s) => `${s.action}: ${s.detail}`).join("; ")
    : `${Object.keys(record.env).length} variables, ${report.steps.length} targets`;
  await files.mkdir(paths.run);
  await writeUserenvApplied(files, paths.userenvApplied, {
    at: now.toISOString(),
    by: "userenv",
    record: record.recorded_at,
    ok: report.ok,
    detail,
  });
  log.log(
    report.ok ? "info" : "error",
    report.ok ? "login environment applied" : "login environment not applied",
    {
      mode,
      detail,
    },
  );
  return report.ok ? 0 : 1;
}
