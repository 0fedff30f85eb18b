/**
 * Undoing what `init` did, in the order that keeps apps working longest: the system proxy
 * first (browsers must not point at an edge that is about to go), then the login
 * environment, the service entries, certifi, and the OS trust store last. `uninstall` runs
 * it over everything `system_state.json` records; `init --clean` over what one run changed.
 */
import { homePaths } from "../core/mod.ts";
import {
  type CaTrust,
  type CertifiPatcher,
  type FileDeps,
  type LoginEnvironment,
  nodePreloadPath,
  type ServiceBackend,
  type SystemProxyControl,
  type SystemProxySnapshot,
} from "../setup/mod.ts";
import { INSTALL_MODES, type InstallMode } from "./_install_state.ts";
import { contained, createProgress, type Progress } from "./init_report.ts";

export interface RevertPlan {
  /** Restore this snapshot (or turn the proxy off when null) when `proxy` is true. */
  proxy: boolean;
  proxySnapshot: SystemProxySnapshot | null;
  /** Remove the login environment; `created` files are deleted when left empty. */
  loginEnv: { created: string[] } | null;
  /** Remove the service entries (graceful: the edge keeps running). */
  services: { backend: ServiceBackend; graceful: boolean } | null;
  certifiBundles: string[];
  /** Remove this CA file's certificate from the OS trust store. */
  trustCaPath: string | null;
}

export interface RevertDeps {
  trust: CaTrust;
  certifi: CertifiPatcher;
  loginEnv: LoginEnvironment;
  systemProxy: SystemProxyControl;
}

export const REVERT_STEPS = 5;

/** Runs the five revert steps, each as a numbered progress step. */
export async function revertChanges(
  plan: RevertPlan,
  deps: RevertDeps,
  progress: Progress,
): Promise<void> {
  progress.step("Restoring the system proxy…");
  if (!plan.proxy) progress.result("(skipped — the system proxy was not changed)");
  else {
    const report = await contained(
      progress,
      "restore system proxy",
      () =>
        plan.proxySnapshot === null
          ? deps.systemProxy.disable()
          : deps.systemProxy.restore(plan.proxySnapshot),
    );
    if (report) progress.report(report);
  }

  progress.step("Removing the login environment (shell rc, environment.d, launchctl)…");
  if (plan.loginEnv === null) progress.result("(skipped — no login environment was written)");
  else {
    const { created } = plan.loginEnv;
    const report = await contained(
      progress,
      "remove login env",
      () => deps.loginEnv.remove(created),
    );
    if (report) progress.report(report);
  }

  progress.step(
    plan.services?.graceful
      ? "Removing service entries (the edge keeps running until reboot)…"
      : "Stopping and removing service entries…",
  );
  if (plan.services === null) progress.result("(skipped — no service entries were installed)");
  else {
    const { backend, graceful } = plan.services;
    const report = await contained(
      progress,
      `uninstall ${backend.name} entries`,
      () => backend.uninstall({ graceful }),
    );
    if (report) progress.backend(report);
  }

  progress.step("Removing the CA from certifi bundles…");
  if (plan.certifiBundles.length === 0) progress.result("(skipped — no bundle was patched)");
  else {
    const report = await contained(
      progress,
      "unpatch certifi",
      () => deps.certifi.unpatch(plan.certifiBundles),
    );
    if (report) progress.report(report);
  }

  progress.step("Removing the CA from the OS trust store…");
  progress.result("store", deps.trust.describe());
  if (plan.trustCaPath === null) progress.result("(skipped — the CA was not added)");
  else {
    const caPath = plan.trustCaPath;
    const report = await contained(progress, "untrust CA", () => deps.trust.remove(caPath));
    if (report) progress.report(report);
  }
}

/** The install records as they were before an init run. */
export interface MarkersBefore {
  mode: string | null;
  apps: boolean;
  proxy: boolean;
  /** `proxy-unmanaged`'s text (full mode's reason), or null when there was none. */
  proxyUnmanaged: string | null;
  /** `login-env.json`'s text, or null when there was none. */
  loginRecord: string | null;
}

/** After a `--clean` rollback: mode file, sentinels and login record as they were. */
export async function restoreMarkers(
  files: FileDeps,
  home: string,
  before: MarkersBefore,
  nowIso: string,
): Promise<void> {
  const paths = homePaths(home);
  if (before.mode === null) await files.removeFile(paths.installMode);
  else await files.writeFile(paths.installMode, `${before.mode}\n`);
  if (before.apps) await files.writeFile(paths.appsManaged, `${nowIso}\n`);
  else await files.removeFile(paths.appsManaged);
  if (before.proxy) await files.writeFile(paths.proxyManaged, `${nowIso}\n`);
  else await files.removeFile(paths.proxyManaged);
  if (before.proxyUnmanaged === null) await files.removeFile(paths.proxyUnmanaged);
  else await files.writeFile(paths.proxyUnmanaged, before.proxyUnmanaged);
  if (before.loginRecord === null) await files.removeFile(paths.loginEnv);
  else await files.writeFile(paths.loginEnv, before.loginRecord, { mode: 0o600 });
}

/**
 * What a run (its roles included) writes into the home besides the install records: the Node
 * preload, the userenv record, the API token and the chosen ports; and the directories they
 * live in. Logs, the database and the CA are not here: logs explain the failure, the database
 * is the user's, the CA has its own rule (removed only when the run created it).
 */
export interface HomeBefore {
  /** Each file's text before the run, or null when it did not exist. */
  files: Record<string, string | null>;
  /** Directories that did not exist before the run. */
  missingDirs: string[];
}

function homeEntries(home: string): { files: string[]; dirs: string[] } {
  const p = homePaths(home);
  const preload = nodePreloadPath(home);
  return {
    files: [preload, p.userenvApplied, p.apiToken, p.effectivePorts],
    dirs: [preload.slice(0, preload.lastIndexOf("/")), p.run],
  };
}

/** Reads what `restoreHome` puts back; call it before the run's first change. */
export async function snapshotHome(files: FileDeps, home: string): Promise<HomeBefore> {
  const entries = homeEntries(home);
  const before: HomeBefore = { files: {}, missingDirs: [] };
  for (const path of entries.files) before.files[path] = await files.readTextFile(path);
  for (const dir of entries.dirs) if (!await files.exists(dir)) before.missingDirs.push(dir);
  return before;
}

/**
 * After a `--clean` rollback (roles stopped): each file back to its text before the run or
 * removed, then the directories the run created, when nothing else is in them. Returns the
 * paths it removed or rewrote.
 */
export async function restoreHome(files: FileDeps, before: HomeBefore): Promise<string[]> {
  const changed: string[] = [];
  for (const [path, text] of Object.entries(before.files)) {
    const now = await files.readTextFile(path);
    if (now === text) continue;
    if (text === null) await files.removeFile(path);
    else await files.writeFile(path, text);
    changed.push(path);
  }
  for (const dir of before.missingDirs) {
    if (!await files.exists(dir)) continue;
    // Not recursive: a directory with something else in it stays.
    const removed = await files.removeFile(dir).then(() => true, () => false);
    if (removed && !await files.exists(dir)) changed.push(dir);
  }
  return changed;
}

/** What existed before an init run, for `--clean`. */
export interface RunBefore {
  markers: MarkersBefore & { mode: InstallMode | null };
  home: HomeBefore;
  /** `system_state.json` existed (a re-run): it stays. */
  systemState: boolean;
}

/** Reads the install records and home files an init run may change; before its first change. */
export async function readRunBefore(
  files: FileDeps,
  home: string,
  systemState: boolean,
): Promise<RunBefore> {
  const paths = homePaths(home);
  const mode = (await files.readTextFile(paths.installMode))?.trim();
  return {
    markers: {
      mode: INSTALL_MODES.find((m) => m === mode) ?? null,
      apps: await files.exists(paths.appsManaged),
      proxy: await files.exists(paths.proxyManaged),
      proxyUnmanaged: await files.readTextFile(paths.proxyUnmanaged),
      loginRecord: await files.readTextFile(paths.loginEnv),
    },
    home: await snapshotHome(files, home),
    systemState,
  };
}

/**
 * `init --clean` after a failed self-test: reverts what this run changed (`plan`), then puts
 * the install records and the home's files back as they were before it.
 */
export async function rollbackRun(
  home: string,
  plan: RevertPlan,
  before: RunBefore & { ca: boolean },
  deps: RevertDeps & { files: FileDeps; removeCa(): Promise<void> },
  print: (line: string) => void,
  nowIso: string,
): Promise<Progress> {
  const paths = homePaths(home);
  const { files } = deps;
  const rollback = createProgress(REVERT_STEPS, print);
  await revertChanges(plan, deps, rollback);
  if (!before.ca) await contained(rollback, "remove new CA", () => deps.removeCa());
  await restoreMarkers(files, home, before.markers, nowIso);
  if (!before.systemState) await files.removeFile(paths.systemState);
  await files.removeFile(paths.initRunning);
  const restored = await contained(rollback, "restore home", () => restoreHome(files, before.home));
  for (const path of restored ?? []) rollback.result("restored", path);
  rollback.result("kept", `${paths.logs}/ (what went wrong)`);
  return rollback;
}
