/**
 * The contracts between `init`/`uninstall`/`doctor` and the modules that change the machine
 * (trust store, certifi, login environment, system proxy). Each module acts only through a
 * `CommandRunner` and `FileDeps`, so tests assert the exact commands and files. A refused
 * command or a missing right is a step with outcome `failed` or `manual`, never a throw.
 */

export type StepOutcome = "done" | "skipped" | "failed" | "manual";

export interface SetupStep {
  /** Short verb phrase: `trust CA (update-ca-certificates)`, `patch certifi /x/cacert.pem`. */
  action: string;
  outcome: StepOutcome;
  /** One line: what happened, with paths and values. */
  detail: string;
  /** For `manual` (and `failed` where one exists): the exact command the user can paste. */
  command?: string;
}

export interface SetupReport {
  /** True when no step `failed` (a `manual` step is not a failure: init prints it). */
  ok: boolean;
  steps: SetupStep[];
}

/** Whether the OS trust store holds our CA: `unknown` when it could not be probed. */
export type TrustState = "trusted" | "untrusted" | "unknown";

/** The OS trust store (plus the user's NSS database on Linux). */
export interface CaTrust {
  /** e.g. `debian: /usr/local/share/ca-certificates + update-ca-certificates`. */
  describe(): string;
  /** Idempotent: adds the CA (PEM file path) where it is missing. */
  install(caPemPath: string): Promise<SetupReport>;
  /** Removes exactly what `install` added, and refreshes the store. */
  remove(caPemPath: string): Promise<SetupReport>;
  /** Presence of this exact certificate in the store(s) `install` writes. */
  state(caPemPath: string): Promise<TrustState>;
  /**
   * The copies of our CA the stores keep as files of ours (the Debian and Fedora drop-ins):
   * where a lost `halton-meter-ca.pem` can be found again. Read only.
   */
  storedCopies?(): Promise<{ where: string; pem: string }[]>;
}

/** One Python interpreter and its certifi bundle. */
export interface CertifiTarget {
  python: string;
  /** `certifi.where()`, or null with `error` when the interpreter has no certifi. */
  bundle: string | null;
  error?: string;
}

export interface CertifiPatcher {
  /** `python3` on PATH, pyenv versions, and `extra` (`--python PATH`, repeatable); deduplicated by bundle. */
  discover(extra: readonly string[]): Promise<CertifiTarget[]>;
  /** Appends the marked block once per bundle; unwritable → `manual` with the sudo command. */
  patch(bundles: readonly string[], caPem: string): Promise<SetupReport>;
  /** Removes exactly the marked block from each bundle. */
  unpatch(bundles: readonly string[]): Promise<SetupReport>;
  /** `patched` when the block with this exact PEM is present. */
  state(bundle: string, caPem: string): Promise<"patched" | "stale" | "unpatched" | "missing">;
}

/** Apps mode: the environment every new shell and login session gets. */
export interface LoginEnvironment {
  /**
   * Writes the env (rc blocks for bash/zsh/fish, `environment.d` on Linux, `launchctl
   * setenv` on macOS, HKCU\Environment on Windows). `created` lists files that did not
   * exist before, so `remove` can delete them and leave the machine byte-identical.
   */
  apply(
    env: Record<string, string>,
    opts: { shellRc: boolean },
  ): Promise<SetupReport & { created: string[] }>;
  /** Removes every block/entry we wrote; deletes files in `created` that are left empty. */
  remove(created: readonly string[]): Promise<SetupReport>;
  /** Where our env is currently present (file paths or `launchctl`/`registry`). */
  present(): Promise<string[]>;
}

/** A JSON-serialisable record of the OS proxy settings before init touched them. */
export interface SystemProxySnapshot {
  backend: string;
  data: unknown;
}

export type SystemProxyState = "on" | "off" | "foreign" | "unknown";

/** Full mode: the OS-wide proxy (macOS networksetup, GNOME gsettings). */
export interface SystemProxyControl {
  /** `networksetup`, `gsettings`, or `none` where no backend applies. */
  readonly backend: string;
  capture(): Promise<SystemProxySnapshot>;
  /** Points the HTTPS and HTTP proxy at 127.0.0.1:edgePort, keeping bypass domains. */
  enable(edgePort: number): Promise<SetupReport>;
  /** Turns the proxy off (what the watchdog does while the edge is down). */
  disable(): Promise<SetupReport>;
  /** Puts back exactly what `capture` saw. */
  restore(snapshot: SystemProxySnapshot): Promise<SetupReport>;
  /** `on` = pointing at our edge; `foreign` = some other proxy is set. */
  state(edgePort: number): Promise<SystemProxyState>;
}

/** Collects steps; `ok` is false once any step failed. */
export function createSetupReport(): {
  add(step: SetupStep): void;
  done(): SetupReport;
} {
  const steps: SetupStep[] = [];
  return {
    add: (step) => void steps.push(step),
    done: () => ({ ok: steps.every((s) => s.outcome !== "failed"), steps: [...steps] }),
  };
}
