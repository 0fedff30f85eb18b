/**
 * The four machine modules `init` and `uninstall` act through (OS trust, certifi, login
 * environment, system proxy), wired for this machine. Test hooks, read from the
 * environment, point every target into a sandbox (README: "Test hooks"):
 * - `HALTON_METER_TRUST_PATHS`: JSON, a partial `CaTrustPaths` (`debianLocalDir`,
 *   `debianBundle`, `debianArgs`, `fedoraAnchorsDir`, `nssDb`, ...);
 * - `HALTON_METER_TRUST_FAMILY`: `debian`, `fedora`, `p11kit` or `unsupported` instead of
 *   detecting it from /etc/os-release;
 * - `HALTON_METER_SYSTEM_PROXY`: `none`, `gsettings` or `networksetup` instead of the OS default.
 * certifi follows `PATH` and `PYENV_ROOT`, the login environment `HOME` and `XDG_CONFIG_HOME`.
 * `doctor` and `status` build their modules here too, so they read the sandbox init wrote.
 */
import {
  type CaTrust,
  type CaTrustPaths,
  type CertifiPatcher,
  createCaTrust,
  createCertifiPatcher,
  createCommandRunner,
  createFileDeps,
  createLoginEnvironment,
  detectLinuxTrustFamily,
  type LinuxTrustFamily,
  type LoginEnvironment,
  type LoginEnvTarget,
  type SystemProxyControl,
  systemProxyControlFromEnv,
} from "../setup/mod.ts";

export interface MachineOptions {
  /** `--non-interactive`: no GUI admin prompt (macOS uses sudo, which must not ask). */
  nonInteractive: boolean;
  env: { get(key: string): string | undefined };
}

export interface Machine {
  trust: CaTrust;
  certifi: CertifiPatcher;
  loginEnv: LoginEnvironment;
  /** Whose login environment `loginEnv` writes (recorded for the userenv role). */
  loginTarget: LoginEnvTarget;
  systemProxy: SystemProxyControl;
  /**
   * The trust store's PEM bundle when `HALTON_METER_TRUST_PATHS` moved it into a sandbox:
   * doctor's handshake then verifies against it, since the real system store never sees a
   * sandboxed CA. Undefined on a real install.
   */
  trustBundle?: string;
}

const FAMILIES: readonly LinuxTrustFamily[] = ["debian", "fedora", "p11kit", "unsupported"];

function trustPaths(raw: string | undefined): Partial<CaTrustPaths> {
  if (raw === undefined || raw === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new Error(`HALTON_METER_TRUST_PATHS is not JSON (${String(err)}); unset it`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error("HALTON_METER_TRUST_PATHS must be a JSON object of paths; unset it");
  }
  return parsed as Partial<CaTrustPaths>;
}

export async function createMachine(opts: MachineOptions): Promise<Machine> {
  const { env } = opts;
  const runner = createCommandRunner();
  const files = createFileDeps();
  const os = Deno.build.os;
  const userHome = env.get("HOME") ?? env.get("USERPROFILE") ?? "";
  if (userHome === "") {
    throw new Error("Cannot find the user's home directory: set HOME (USERPROFILE on Windows)");
  }
  const isRoot = os !== "windows" && Deno.uid() === 0;

  const familyOverride = env.get("HALTON_METER_TRUST_FAMILY");
  let linuxFamily: LinuxTrustFamily | undefined;
  if (familyOverride !== undefined && familyOverride !== "") {
    linuxFamily = FAMILIES.find((f) => f === familyOverride);
    if (linuxFamily === undefined) {
      throw new Error(
        `HALTON_METER_TRUST_FAMILY=${familyOverride} is not one of ${FAMILIES.join(", ")}`,
      );
    }
  } else if (os === "linux") linuxFamily = await detectLinuxTrustFamily({ files });

  const loginTarget: LoginEnvTarget = {
    userHome,
    ...(env.get("SHELL") ? { loginShell: env.get("SHELL") } : {}),
    ...(env.get("XDG_CONFIG_HOME") ? { configHome: env.get("XDG_CONFIG_HOME") } : {}),
  };
  const sandboxPaths = trustPaths(env.get("HALTON_METER_TRUST_PATHS"));
  const trustBundle = os !== "linux"
    ? undefined
    : linuxFamily === "debian"
    ? sandboxPaths.debianBundle
    : linuxFamily === "fedora"
    ? sandboxPaths.fedoraBundle
    : linuxFamily === "p11kit"
    ? sandboxPaths.p11kitBundles?.[0]
    : undefined;

  return {
    ...(trustBundle === undefined ? {} : { trustBundle }),
    trust: createCaTrust({
      os,
      runner,
      files,
      userHome,
      isRoot,
      nonInteractive: opts.nonInteractive,
      linuxFamily,
      paths: sandboxPaths,
    }),
    certifi: createCertifiPatcher({
      runner,
      files,
      env: {
        PATH: env.get("PATH") ?? "",
        HOME: userHome,
        ...(env.get("PYENV_ROOT") ? { PYENV_ROOT: env.get("PYENV_ROOT") } : {}),
      },
      isRoot,
      os,
    }),
    loginEnv: createLoginEnvironment({ os, runner, files, ...loginTarget }),
    loginTarget,
    systemProxy: systemProxyControlFromEnv({ os, runner, env }),
  };
}
