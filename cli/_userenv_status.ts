/**
 * The `userenv` row of `status`: whether the login environment init recorded
 * (`login-env.json`) is the one last applied (`run/userenv-applied.json`, written by init
 * and by the userenv role at each login). The role is a one-shot, so a process state would
 * say nothing: `applied`, `stale` (with why and what to run) or `unused` outside apps/full.
 */
import { homePaths } from "../core/mod.ts";
import { createFileDeps, readLoginEnvRecord, readUserenvApplied } from "../setup/mod.ts";

export type UserenvState = "applied" | "stale" | "unused" | "healthy";

export interface UserenvRow {
  state: UserenvState;
  detail: string;
}

/** `running`: the pid of a userenv run in progress, or null. */
export async function userenvStatus(
  home: string,
  mode: string,
  running: number | null,
): Promise<UserenvRow> {
  if (mode !== "apps" && mode !== "full") {
    return {
      state: "unused",
      detail: mode === "none" ? "not used: init has not run here" : `not used in ${mode} mode`,
    };
  }
  if (running !== null) {
    return { state: "healthy", detail: `PID ${running} (applying the login environment)` };
  }
  const paths = homePaths(home);
  const files = createFileDeps();
  const again = `run halton-meter init --${mode}`;
  const record = await readLoginEnvRecord(files, paths.loginEnv);
  if (record.kind !== "found") {
    return {
      state: "stale",
      detail: record.kind === "missing"
        ? `no ${paths.loginEnv}: nothing to re-apply at login; ${again}`
        : `${record.message}; ${again}`,
    };
  }
  const applied = await readUserenvApplied(files, paths.userenvApplied);
  if (applied.kind !== "found") {
    return {
      state: "stale",
      detail: `recorded ${record.value.recorded_at}, never applied since; log in again or ${again}`,
    };
  }
  const last = applied.value;
  if (last.record !== record.value.recorded_at) {
    return {
      state: "stale",
      detail:
        `last applied ${last.at} from an older record (now ${record.value.recorded_at}); log in again or ${again}`,
    };
  }
  if (!last.ok) {
    return {
      state: "stale",
      detail: `last run ${last.at} failed: ${last.detail}; see ${paths.logs}/userenv.log`,
    };
  }
  return {
    state: "applied",
    detail: `last applied ${last.by === "userenv" ? "at login" : "by init"} ${last.at}`,
  };
}
