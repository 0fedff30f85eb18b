/**
 * The install mode and the sentinels init writes, read the same way by `status` and
 * `doctor`: `proxy-managed` belongs to full mode only, `apps-managed` to apps and full.
 * Full mode where init found no OS proxy to manage (Windows, Linux without GNOME) has
 * `proxy-unmanaged` (the reason) instead, and then expects no `proxy-managed`.
 */
import { homePaths } from "../core/mod.ts";
import { exists, readText } from "./_probes.ts";

export const INSTALL_MODES = ["env-only", "apps", "full"] as const;
export type InstallMode = typeof INSTALL_MODES[number];

export interface InstallState {
  /** `none` when `install-mode` is missing or empty, `unknown` for an unrecognised value. */
  mode: "none" | InstallMode | "unknown";
  /** The file's text when it is not a known mode (for messages). */
  raw: string | null;
  proxyManaged: boolean;
  /** Why full mode manages no system proxy here (`proxy-unmanaged`), or null. */
  proxyUnmanaged: string | null;
  appsManaged: boolean;
  wantProxy: boolean;
  wantApps: boolean;
  /** Sentinels agree with the mode. */
  consistent: boolean;
  gracefulStop: boolean;
}

export function readInstallState(home: string): InstallState {
  const paths = homePaths(home);
  const raw = readText(paths.installMode)?.trim() ?? null;
  const mode = raw === null || raw === ""
    ? "none"
    : (INSTALL_MODES as readonly string[]).includes(raw)
    ? raw as InstallState["mode"]
    : "unknown";
  const proxyManaged = exists(paths.proxyManaged);
  const appsManaged = exists(paths.appsManaged);
  const proxyUnmanaged = mode === "full" ? readText(paths.proxyUnmanaged)?.trim() || null : null;
  const wantProxy = mode === "full" && proxyUnmanaged === null;
  const wantApps = mode === "apps" || mode === "full";
  return {
    mode,
    raw,
    proxyManaged,
    proxyUnmanaged,
    appsManaged,
    wantProxy,
    wantApps,
    consistent: proxyManaged === wantProxy && appsManaged === wantApps,
    gracefulStop: exists(paths.gracefulStop),
  };
}

/** `proxy-managed: ✓  apps-managed: -` */
export function describeSentinels(s: InstallState): string {
  const proxy = s.proxyManaged ? "✓" : s.proxyUnmanaged !== null ? "- (none here)" : "-";
  return `proxy-managed: ${proxy}  apps-managed: ${s.appsManaged ? "✓" : "-"}`;
}

/**
 * The `init` that reconciles this install without changing its mode: plain `init` means
 * env-only, and run on an apps or full install it removes the login environment (and the
 * system proxy). Without a readable mode, the sentinels say what was set up.
 */
export function initCommandFor(
  s: Pick<InstallState, "mode" | "proxyManaged" | "appsManaged">,
): string {
  const mode = s.mode === "none" || s.mode === "unknown"
    ? s.proxyManaged ? "full" : s.appsManaged ? "apps" : "env-only"
    : s.mode;
  return mode === "env-only" ? "halton-meter init" : `halton-meter init --${mode}`;
}
