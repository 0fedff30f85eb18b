/**
 * Undoing what `init` did, in the order that keeps apps working longest: the system proxy
 * first (browsers must not point at an edge that is about to go), then the login
 * environment, the service entries, certifi, and the OS trust store last. `uninstall` runs
 * it over everything `system_state.json` records; `init --clean` over what one run changed.
 */
import { homePaths } from "../core/mod.ts";
import type {
  CaTrust,
  CertifiPatcher,
  FileDeps,
  LoginEnvironment,
  ServiceBackend,
  SystemProxyControl,
  SystemProxySnapshot,
} from "../setup/mod.ts";
import { contained, type Progress } from "./init_report.ts";

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
