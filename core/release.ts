/**
 * Where releases come from and what their files are called: shared by `halton-meter upgrade`,
 * scripts/compile.ts and (in its own words) scripts/install.sh, which must agree with it
 * (scripts/install_test.ts checks the default location).
 */

/** GitHub's release downloads: `<url>/latest/download/<file>`, `<url>/download/v<v>/<file>`. */
export const DEFAULT_RELEASE_URL = "https://github.com/halton-meter/halton-meter/releases";

/** HALTON_METER_RELEASE_URL replaces DEFAULT_RELEASE_URL (a mirror, or a test server). */
export const RELEASE_URL_ENV = "HALTON_METER_RELEASE_URL";

/** The release targets: Deno's target triples (`Deno.build.target`). */
export const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
] as const;

export type Target = typeof TARGETS[number];

export function isTarget(value: string): value is Target {
  return (TARGETS as readonly string[]).includes(value);
}

/** `halton-meter-<version>-<target>`, with `.exe` for Windows. */
export function artifactName(version: string, target: Target): string {
  return `halton-meter-${version}-${target}${target.includes("windows") ? ".exe" : ""}`;
}

/** The directory of a release's files: the latest, or `version` (a leading `v` is dropped). */
export function releaseBase(url: string, version?: string): string {
  const root = url.replace(/\/+$/, "");
  return version ? `${root}/download/v${version.replace(/^v/, "")}` : `${root}/latest/download`;
}

/** The SHA256SUMS entry for `target`: its hash, file name and version; null when there is none. */
export function findArtifact(
  sums: string,
  target: Target,
): { sha256: string; name: string; version: string } | null {
  const suffix = `-${target}${target.includes("windows") ? ".exe" : ""}`;
  for (const line of sums.split("\n")) {
    const m = /^([0-9a-f]{64}) {2}(halton-meter-([^ /]+))$/.exec(line.trim());
    if (m && m[2].endsWith(suffix)) {
      return { sha256: m[1], name: m[2], version: m[3].slice(0, -suffix.length) };
    }
  }
  return null;
}
