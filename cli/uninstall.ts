/**
 * `halton-meter uninstall [--graceful] [--purge]` — reverts everything `init` changed, from
 * `system_state.json` and the sentinels: system proxy (restored to the pre-init snapshot),
 * login environment, service entries, certifi blocks, OS trust. The database, logs and CA
 * stay unless `--purge` (then the whole state directory goes). `--graceful` does the same
 * but leaves the running edge alone, so apps that still have `HTTPS_PROXY` set keep a
 * passthrough proxy until they restart or the machine reboots.
 */
import { homePaths } from "../core/mod.ts";
import type { FileDeps, ServiceBackend } from "../setup/mod.ts";
import { readSystemState } from "../setup/system_state.ts";
import { recoverCaCertificate } from "./_ca_recovery.ts";
import { contained, createProgress, exitCodeOf, printLeftovers } from "./init_report.ts";
import { REVERT_STEPS, revertChanges, type RevertDeps } from "./init_revert.ts";

export interface UninstallOptions {
  home: string;
  graceful: boolean;
  purge: boolean;
  print: (line: string) => void;
  printError: (line: string) => void;
}

export interface UninstallDeps extends RevertDeps {
  files: FileDeps;
  /** The backend the roles are installed with, or null when none is. */
  installedBackend(): Promise<ServiceBackend | null>;
  /** Deletes the state directory and everything in it (`--purge`). */
  removeHome(): Promise<void>;
}

/** Files `init` writes to record what it did; removed by every uninstall. */
function markerFiles(home: string): string[] {
  const p = homePaths(home);
  return [
    p.installMode,
    p.appsManaged,
    p.proxyManaged,
    p.proxyUnmanaged,
    p.loginEnv,
    p.userenvApplied,
    p.systemState,
  ];
}

/** Runs uninstall; resolves with the exit code (1 when a step failed, 3 when one needs you). */
export async function runUninstall(opts: UninstallOptions, deps: UninstallDeps): Promise<number> {
  const paths = homePaths(opts.home);
  const { files } = deps;
  const stored = await readSystemState(files, paths.systemState);
  if (stored.kind === "invalid") {
    opts.printError(`halton-meter uninstall: ${stored.message}`);
    return 1;
  }
  const state = stored.kind === "found" ? stored.state : null;
  const mode = (await files.readTextFile(paths.installMode))?.trim() ?? null;
  const proxyManaged = await files.exists(paths.proxyManaged);
  const appsManaged = await files.exists(paths.appsManaged);
  const envPresent = await deps.loginEnv.present().catch(() => []);
  const backend = await deps.installedBackend();
  // The trust entry is looked up even without a record: a lost state file must not strand it.
  let caPath = state?.trust[0]?.ca_path ?? paths.caCert;
  // A lost certificate is found again (record, drop-in copy, bundles): without it the store
  // cannot be told what to remove. It goes back in place when it belongs to the key there.
  let tempCa: string | null = null;
  if (!await files.exists(caPath)) {
    const found = await recoverCaCertificate(opts.home, deps);
    if (found.kind === "found") {
      if (found.keyed && caPath === paths.caCert) {
        await files.writeFile(caPath, found.pem, { mode: 0o644 });
        opts.print(`CA certificate ${caPath} was missing: restored from ${found.where}`);
      } else {
        await files.mkdir(paths.run);
        caPath = tempCa = `${paths.run}/untrust-ca.pem`;
        await files.writeFile(caPath, found.pem);
        opts.print(`CA certificate missing: untrusting the copy in ${found.where}`);
      }
    }
  }
  const trusted = state !== null && state.trust.length > 0 ||
    (await files.exists(caPath) && await deps.trust.state(caPath).catch(() => "unknown") !==
        "untrusted");

  const progress = createProgress(REVERT_STEPS + 1, opts.print);
  await revertChanges(
    {
      proxy: proxyManaged || mode === "full",
      proxySnapshot: state?.system_proxy ?? null,
      loginEnv: appsManaged || envPresent.length > 0 || (state?.files_created.length ?? 0) > 0
        ? { created: state?.files_created ?? [] }
        : null,
      services: backend === null ? null : { backend, graceful: opts.graceful },
      certifiBundles: state?.certifi_bundles ?? [],
      trustCaPath: trusted ? caPath : null,
    },
    deps,
    progress,
  );
  if (tempCa !== null) await files.removeFile(tempCa);

  // Records of what could not be undone stay, so a later uninstall can finish the job.
  const left = progress.failed.length + progress.manual.length;
  if (left > 0) {
    progress.step(`Keeping the install records: ${left} step(s) above were not undone…`);
    progress.result(
      "kept",
      `${paths.systemState}, install-mode and sentinels${
        opts.purge ? ` (and ${opts.home}: --purge skipped)` : ""
      }; fix what is listed below, then run halton-meter uninstall again`,
    );
  } else if (opts.purge) {
    progress.step(`Removing the state directory ${opts.home} (--purge)…`);
    const refusal = await purgeRefusal(opts.home, files);
    if (refusal !== null) progress.fail("purge", refusal);
    else {
      const done = await contained(progress, "purge", async () => {
        await deps.removeHome();
        return true;
      });
      if (done) progress.result("removed", `${opts.home} (database, logs, CA, config)`);
    }
  } else {
    progress.step("Removing install records (install-mode, sentinels, system_state.json)…");
    for (const path of markerFiles(opts.home)) {
      if (await files.exists(path)) {
        await files.removeFile(path);
        progress.result("removed", path);
      }
    }
    progress.result("kept", `${paths.db}, ${paths.logs}/, ${paths.caDir}/ (--purge removes them)`);
  }
  progress.result(
    left > 0 ? "uninstall incomplete" : "uninstall complete",
    opts.graceful ? "graceful: the edge keeps running until reboot" : undefined,
  );
  printLeftovers(progress, "halton-meter uninstall", opts.printError);
  return exitCodeOf(progress);
}

/** Why `--purge` must not delete `home` (a root, a user's home), or null when it may. */
async function purgeRefusal(home: string, files: FileDeps): Promise<string | null> {
  const normal = home.replace(/[\\/]+$/, "");
  const userHome = (Deno.env.get("HOME") ?? Deno.env.get("USERPROFILE") ?? "").replace(
    /[\\/]+$/,
    "",
  );
  if (normal === "" || /^[A-Za-z]:$/.test(normal) || normal === userHome) {
    return `refusing to delete ${home}: it is not a Halton Meter state directory; delete it by hand`;
  }
  const p = homePaths(home);
  for (const marker of [p.caDir, p.db, p.config, p.apiToken, p.logs, p.run]) {
    if (await files.exists(marker)) return null;
  }
  return `refusing to delete ${home}: it holds none of Halton Meter's files; delete it by hand`;
}
