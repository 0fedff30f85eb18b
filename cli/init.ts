/**
 * `halton-meter init [--apps|--full] [--non-interactive] [--no-shell-rc] [--clean]
 * [--supervisor NAME] [--python PATH]...` — wires Halton Meter into the machine, in a fixed
 * order: CA → OS trust → certifi → combined bundle → service entries → login environment →
 * system proxy → start + self-test. Idempotent, and a reconciler: a run with another mode
 * removes what the previous mode set up, so switching modes never needs an uninstall.
 * `system_state.json` is written before the first change and only ever merged.
 */
import { homePaths } from "../core/mod.ts";
import {
  type CaTrust,
  type CertifiPatcher,
  type FileDeps,
  type LoginEnvironment,
  type LoginEnvTarget,
  nodePreloadPath,
  proxyEnv,
  type ServiceBackend,
  type ServiceSpec,
  type SystemProxyControl,
  writeLoginEnvRecord,
  writeNodePreload,
  writeUserenvApplied,
} from "../setup/mod.ts";
import {
  emptySystemState,
  mergeSystemState,
  readSystemState,
  type SystemState,
  type SystemStateChanges,
  writeSystemState,
} from "../setup/system_state.ts";
import type { SelfTestResult } from "../setup/self_test.ts";
import type { InstallMode } from "./_install_state.ts";
import { contained, createProgress, finishRun, printLeftovers } from "./init_report.ts";
import { readRunBefore, type RevertPlan, rollbackRun } from "./init_revert.ts";

export type { InstallMode };

export interface InitOptions {
  home: string;
  mode: InstallMode;
  /** False with `--no-shell-rc`: apps/full write the login environment but no rc blocks. */
  shellRc: boolean;
  /** `--clean`: roll back this run's changes if the self-test fails. */
  clean: boolean;
  /** `--supervisor`: launchd, systemd, schtasks or direct. */
  supervisor?: string;
  /** `--non-interactive`: never ask; a running daemon is restarted without asking. */
  nonInteractive?: boolean;
  print: (line: string) => void;
  printError: (line: string) => void;
}

export interface CaInfo {
  certPath: string;
  certPem: string;
  /** True when this call generated the CA. */
  created: boolean;
  /** Where the lost certificate of the existing key was restored from, when it was. */
  restoredFrom?: string;
}

export type BackendPick =
  | { ok: true; backend: ServiceBackend; reason: string }
  | { ok: false; error: string };

export interface InitDeps {
  /** `Deno.build.os`. */
  os: string;
  files: FileDeps;
  trust: CaTrust;
  certifi: CertifiPatcher;
  /** `--python PATH` values, handed to `certifi.discover`. */
  pythons: readonly string[];
  loginEnv: LoginEnvironment;
  /** Whose login environment `loginEnv` writes; recorded so the userenv role writes the same. */
  loginTarget: LoginEnvTarget;
  systemProxy: SystemProxyControl;
  /** Creates the CA if missing, tightens permissions every time. */
  ensureCa(): Promise<CaInfo>;
  /** Writes the combined bundle (system roots + CA); returns its path and the roots' source. */
  writeBundle(): Promise<{ path: string; roots: string }>;
  pickBackend(override: string | undefined): Promise<BackendPick>;
  serviceSpec(): ServiceSpec;
  /** Edge port once the edge is up (config or default when it does not answer in time). */
  edgePort(): Promise<number>;
  /** Starts whatever role is down and waits for the daemon's health; lines go to `print`. */
  startRoles(backend: ServiceBackend, print: (line: string) => void): Promise<boolean>;
  selfTest(): Promise<SelfTestResult>;
  /** Asks the user a yes/no question; answers yes where nobody can be asked (no terminal). */
  confirm(question: string): Promise<boolean>;
  /** Deletes the CA directory (only `--clean` after a run that created the CA). */
  removeCa(): Promise<void>;
  now(): Date;
}

export const INIT_STEPS = 8;

/** Runs init; resolves with the exit code (1 failed, 3 manual steps left, 0 done). */
export async function runInit(opts: InitOptions, deps: InitDeps): Promise<number> {
  try {
    return await runInitSteps(opts, deps);
  } finally {
    // Written once init may change things: a userenv role started meanwhile stands back.
    const marker = homePaths(opts.home).initRunning;
    if (await deps.files.exists(marker).catch(() => false)) {
      await deps.files.removeFile(marker).catch(() => {});
    }
  }
}

async function runInitSteps(opts: InitOptions, deps: InitDeps): Promise<number> {
  const paths = homePaths(opts.home);
  const { files } = deps;
  const print = opts.print;
  const iso = () => deps.now().toISOString();

  // Everything that can refuse the run does so before the first change.
  const picked = await deps.pickBackend(opts.supervisor);
  if (!picked.ok) {
    opts.printError(`halton-meter init: ${picked.error}`);
    return 2;
  }
  const backend = picked.backend;
  const stored = await readSystemState(files, paths.systemState);
  if (stored.kind === "invalid") {
    opts.printError(`halton-meter init: ${stored.message}`);
    return 1;
  }
  await files.mkdir(opts.home);
  // A first run leaves no record behind on --clean; a re-run keeps what it merged into.
  const before = await readRunBefore(files, opts.home, stored.kind !== "missing");
  const { mode: previousMode, apps: wasAppsManaged, proxy: wasProxyManaged } = before.markers;
  const daemonBefore = await backend.status("daemon").catch(() => null);

  let state: SystemState = stored.kind === "found" ? stored.state : emptySystemState(iso());
  if (opts.mode === "full" && state.system_proxy === null && !wasProxyManaged) {
    state = mergeSystemState(state, { system_proxy: await deps.systemProxy.capture() }, iso());
  }
  const record = async (changes: SystemStateChanges) => {
    state = mergeSystemState(state, changes, iso());
    await writeSystemState(files, paths.systemState, state);
  };
  await record({});
  await files.mkdir(paths.run);
  await files.writeFile(paths.initRunning, `${iso()}\n`);

  // What this run changed, for --clean.
  const undo: RevertPlan = {
    proxy: false,
    proxySnapshot: state.system_proxy,
    loginEnv: null,
    services: null,
    certifiBundles: [],
    trustCaPath: null,
  };
  const progress = createProgress(INIT_STEPS, print);
  if (previousMode !== null && previousMode !== opts.mode) {
    print(`switching install mode: ${previousMode} → ${opts.mode}`);
  }

  progress.step("Generating CA certificate…");
  const ca = await contained(progress, "CA", () => deps.ensureCa());
  if (ca === undefined) {
    printLeftovers(progress, "halton-meter init", opts.printError);
    return 1;
  }
  if (ca.restoredFrom !== undefined) {
    progress.result("cert restored", `${ca.certPath} (from ${ca.restoredFrom})`);
  } else progress.result(ca.created ? "cert written" : "cert exists", ca.certPath);
  if (deps.os !== "windows") progress.result("permissions", "directory 0700, key 0600");

  progress.step("Trusting the CA in the OS trust store…");
  progress.result("store", deps.trust.describe());
  const trustedBefore = await deps.trust.state(ca.certPath).catch(() => "unknown" as const);
  await record({
    trust: [{ ca_path: ca.certPath, store: deps.trust.describe(), ca_pem: ca.certPem }],
  });
  const trustReport = await contained(progress, "trust CA", () => deps.trust.install(ca.certPath));
  if (trustReport) {
    progress.report(trustReport);
    if (trustedBefore !== "trusted" && trustReport.steps.some((s) => s.outcome === "done")) {
      undo.trustCaPath = ca.certPath;
    }
  }

  progress.step("Patching certifi bundles so Python clients trust the CA…");
  const targets = await contained(
    progress,
    "find Python interpreters",
    () => deps.certifi.discover(deps.pythons),
  ) ?? [];
  for (const t of targets) {
    if (t.bundle === null) progress.result("· no certifi", t.error ?? t.python);
  }
  const bundles = targets.flatMap((t) => t.bundle === null ? [] : [t.bundle]);
  if (bundles.length === 0) progress.result("(skipped — no Python interpreter with certifi found)");
  else {
    const before = await Promise.all(
      bundles.map((b) => deps.certifi.state(b, ca.certPem).catch(() => "unpatched" as const)),
    );
    await record({ certifi_bundles: bundles });
    const report = await contained(
      progress,
      "patch certifi",
      () => deps.certifi.patch(bundles, ca.certPem),
    );
    if (report) progress.report(report);
    undo.certifiBundles = bundles.filter((_, i) => before[i] !== "patched");
  }

  progress.step("Writing the combined CA bundle (system roots + this CA)…");
  const bundle = await contained(progress, "CA bundle", () => deps.writeBundle());
  if (bundle) progress.result("bundle written", `${bundle.path}  (roots: ${bundle.roots})`);

  progress.step(`Installing service entries (${backend.name}: ${picked.reason})…`);
  // A fresh graceful-stop sentinel would keep the daemon we are about to start down.
  await files.removeFile(paths.gracefulStop);
  await record({ service_backends: [backend.name] });
  const installReport = await contained(
    progress,
    `install ${backend.name} entries`,
    () => backend.install(deps.serviceSpec()),
  );
  if (installReport) {
    progress.backend(installReport);
    if (daemonBefore === null || daemonBefore.state === "not_installed") {
      undo.services = { backend, graceful: false };
    }
  }
  const edgePort = await deps.edgePort();

  progress.step("Writing the login environment (shell rc, environment.d, launchctl)…");
  if (opts.mode === "env-only") {
    const present = await deps.loginEnv.present().catch(() => []);
    if (wasAppsManaged || present.length > 0) {
      const report = await contained(
        progress,
        "remove login env",
        () => deps.loginEnv.remove(state.files_created),
      );
      if (report) progress.report(report);
    } else progress.result("(skipped — env-only mode: use halton-meter run <cmd>)");
    await files.removeFile(paths.appsManaged);
    await files.removeFile(paths.loginEnv);
    await files.removeFile(paths.userenvApplied);
  } else {
    const presentBefore = await deps.loginEnv.present().catch(() => []);
    // Node versions without native env-proxy support route through the edge via this preload.
    const preload = await writeNodePreload(files, opts.home);
    progress.report({ ok: preload.outcome !== "failed", steps: [preload] });
    const env = proxyEnv({
      edgePort,
      caPath: ca.certPath,
      bundlePath: bundle?.path ?? paths.caBundle,
      ...(preload.outcome === "done" ? { nodePreloadPath: nodePreloadPath(opts.home) } : {}),
    });
    const applied = await contained(
      progress,
      "write login env",
      () => deps.loginEnv.apply(env, { shellRc: opts.shellRc }),
    );
    if (applied) {
      progress.report(applied);
      await record({ files_created: applied.created });
      if (presentBefore.length === 0) undo.loginEnv = { created: applied.created };
      await files.writeFile(paths.appsManaged, `${iso()}\n`);
      // What the userenv role re-applies at each login; init itself just applied it.
      const at = iso();
      await writeLoginEnvRecord(files, paths.loginEnv, {
        mode: opts.mode,
        env,
        shell_rc: opts.shellRc,
        target: deps.loginTarget,
        recorded_at: at,
      });
      await writeUserenvApplied(files, paths.userenvApplied, {
        at,
        by: "init",
        record: at,
        ok: applied.ok,
        detail: `${applied.steps.length} targets`,
      });
    }
  }

  progress.step("Setting the system proxy…");
  if (opts.mode === "full") {
    const before = await deps.systemProxy.state(edgePort).catch(() => "unknown" as const);
    const report = await contained(
      progress,
      "enable system proxy",
      () => deps.systemProxy.enable(edgePort),
    );
    if (report) {
      progress.report(report);
      // The sentinel says "init set the OS proxy": only when enable really changed it
      // (Windows, Linux without GNOME, backend none: every step is skipped).
      const changed = report.steps.some((s) => s.outcome === "done");
      if (changed) {
        if (before !== "on") {
          undo.proxy = true;
          undo.proxySnapshot = state.system_proxy;
        }
        await files.writeFile(paths.proxyManaged, `${iso()}\n`);
        await files.removeFile(paths.proxyUnmanaged);
      } else if (report.ok) {
        const why = report.steps.map((s) => s.detail).join("; ") ||
          `no system proxy backend on ${deps.os}`;
        progress.result(
          "not managed",
          `full mode could not manage a system proxy here: ${why}; tools that read HTTPS_PROXY (the login environment) are still metered`,
        );
        await files.removeFile(paths.proxyManaged);
        await files.writeFile(paths.proxyUnmanaged, `${why}\n`);
      }
    }
  } else if (wasProxyManaged || previousMode === "full") {
    const snapshot = state.system_proxy;
    const report = await contained(
      progress,
      "restore system proxy",
      () => snapshot === null ? deps.systemProxy.disable() : deps.systemProxy.restore(snapshot),
    );
    if (report) progress.report(report);
    await files.removeFile(paths.proxyManaged);
    await files.removeFile(paths.proxyUnmanaged);
  } else {
    await files.removeFile(paths.proxyUnmanaged);
    progress.result(`(skipped — system proxy unchanged in ${opts.mode} mode)`);
  }

  await files.writeFile(paths.installMode, `${opts.mode}\n`);

  progress.step("Starting the daemon and running the self-test (up to 30 s)…");
  const indent = (line: string) => print(`       ${line}`);
  // A daemon that was already running keeps the code and CA it started with: restart it so
  // this run's changes take effect (asked first, unless --non-interactive).
  if (daemonBefore?.state === "running") {
    const restart = opts.nonInteractive ||
      await deps.confirm("A Halton Meter daemon is running: restart it to apply this init?");
    if (restart) {
      // The watchdog too: left up, it restarts the daemon it sees go down while startRoles
      // starts one as well, and the daemon whose pid file is overwritten is orphaned.
      const stopped = await backend.stop(["watchdog", "daemon"]).catch(() => null);
      progress.result("daemon restarted", stopped?.ok ? "stopped, starting again" : "stop failed");
    } else progress.result("daemon kept", "still running the code it started with");
  }
  // A role that did not start or answer has printed its ✗ line; the self-test still says
  // what works (it fails at once when nothing answers).
  let started = await deps.startRoles(backend, indent);
  let test: SelfTestResult = await deps.selfTest();
  if (!test.ok && !opts.clean) {
    progress.result("self-test failed", `${test.stage}: ${test.message}`);
    progress.result("repairing", "restarting the daemon once");
    await backend.stop(["watchdog", "daemon"]).catch(() => null);
    started = await deps.startRoles(backend, indent);
    test = await deps.selfTest();
  }
  if (test.ok) {
    progress.result("self-test passed", test.detail);
    if (!started) {
      progress.fail("start", "a role did not start (its ✗ line is above)", "halton-meter doctor");
    }
    if (test.systemTrust === "untrusted") {
      progress.result(
        "note",
        "the OS trust store does not verify the CA yet; tools using it will fail until the trust step is done",
      );
    }
  } else {
    progress.fail(
      "self-test",
      `${test.stage}: ${test.message}`,
      "halton-meter doctor",
    );
    if (opts.clean) {
      print("--clean: rolling back what this run changed…");
      await rollbackRun(opts.home, undo, { ...before, ca: !ca.created }, deps, print, iso());
      printLeftovers(progress, "halton-meter init", opts.printError);
      return 1;
    }
  }

  return finishRun(progress, "init", {
    summary: `mode: ${opts.mode}  edge: 127.0.0.1:${edgePort}  supervisor: ${backend.name}`,
    next: opts.mode === "env-only"
      ? "meter a command with: halton-meter run -- <cmd>"
      : "open a new shell (or log in again) to pick up the environment",
  }, opts.printError);
}
