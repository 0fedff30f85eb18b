/**
 * The installer's logic in TypeScript (scripts/install.sh is the same for `curl | sh`): the
 * release's SHA256SUMS, the artifact for this target, its SHA-256 checked, a trial run, then
 * one rename over the installed binary. Any failure leaves the installed binary as it was.
 * TypeScript, not install.sh, so a binary upgrades itself where there is no sh (Windows) and
 * needs no curl or sha256sum.
 */
import { findArtifact, releaseBase, sha256Hex, type Target } from "../../core/mod.ts";

export interface InstallReleaseOptions {
  /** The release location (DEFAULT_RELEASE_URL or HALTON_METER_RELEASE_URL). */
  releaseUrl: string;
  /** A release version; the latest without it. */
  version?: string;
  target: Target;
  /** The binary to replace (or create): an absolute path. */
  dest: string;
  os: string;
}

export interface InstallReleaseDeps {
  fetch: typeof fetch;
  /** Runs `path --version`; resolves with null when it ran, else why it did not. */
  tryRun(path: string): Promise<string | null>;
}

export type InstallOutcome =
  | { kind: "installed"; version: string; dest: string }
  | { kind: "current"; version: string; dest: string }
  | { kind: "failed"; reason: string };

const DOWNLOAD_TIMEOUT_MS = 5 * 60_000;

async function download(
  deps: InstallReleaseDeps,
  url: string,
): Promise<{ ok: true; bytes: Uint8Array<ArrayBuffer> } | { ok: false; why: string }> {
  try {
    const res = await deps.fetch(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
    if (!res.ok) {
      await res.body?.cancel();
      return { ok: false, why: `HTTP ${res.status}` };
    }
    return { ok: true, bytes: new Uint8Array(await res.arrayBuffer()) };
  } catch (err) {
    const e = err as Error;
    return {
      ok: false,
      why: (e.cause instanceof Error ? e.cause.message : e.message).split("\n")[0],
    };
  }
}

async function readOrNull(path: string): Promise<Uint8Array<ArrayBuffer> | null> {
  try {
    return await Deno.readFile(path);
  } catch {
    return null;
  }
}

/** Downloads, verifies and installs the release binary for `opts.target` at `opts.dest`. */
export async function installRelease(
  opts: InstallReleaseOptions,
  deps: InstallReleaseDeps,
): Promise<InstallOutcome> {
  const base = releaseBase(opts.releaseUrl, opts.version);
  const sums = await download(deps, `${base}/SHA256SUMS`);
  if (!sums.ok) {
    const hint = opts.version ? ` (is ${opts.version} a released version?)` : "";
    return { kind: "failed", reason: `cannot download ${base}/SHA256SUMS: ${sums.why}${hint}` };
  }
  const entry = findArtifact(new TextDecoder().decode(sums.bytes), opts.target);
  if (entry === null) {
    return { kind: "failed", reason: `the release at ${base} has no build for ${opts.target}` };
  }
  const got = await download(deps, `${base}/${entry.name}`);
  if (!got.ok) {
    return { kind: "failed", reason: `cannot download ${base}/${entry.name}: ${got.why}` };
  }
  const actual = await sha256Hex(got.bytes);
  if (actual !== entry.sha256) {
    return {
      kind: "failed",
      reason: `checksum mismatch for ${entry.name}: SHA256SUMS says ${entry.sha256}, ` +
        `the download is ${actual}; nothing was installed`,
    };
  }
  const installed = await readOrNull(opts.dest);
  if (installed !== null && await sha256Hex(installed) === entry.sha256) {
    return { kind: "current", version: entry.version, dest: opts.dest };
  }

  // Beside the destination, so the last step is one rename on the same filesystem.
  const dir = opts.dest.slice(0, Math.max(opts.dest.lastIndexOf("/"), opts.dest.lastIndexOf("\\")));
  let temp: string;
  try {
    await Deno.mkdir(dir, { recursive: true });
    temp = await Deno.makeTempFile({ dir, prefix: ".halton-meter-upgrade." });
  } catch (err) {
    return { kind: "failed", reason: `cannot write to ${dir}: ${(err as Error).message}` };
  }
  try {
    await Deno.writeFile(temp, got.bytes);
    if (opts.os !== "windows") await Deno.chmod(temp, 0o755);
    const runs = await deps.tryRun(temp);
    if (runs !== null) {
      return {
        kind: "failed",
        reason:
          `the downloaded halton-meter ${entry.version} does not run here (${opts.target}): ` +
          `${runs}; nothing was installed`,
      };
    }
    await replace(temp, opts.dest, opts.os);
    return { kind: "installed", version: entry.version, dest: opts.dest };
  } catch (err) {
    return { kind: "failed", reason: `cannot install ${opts.dest}: ${(err as Error).message}` };
  } finally {
    await Deno.remove(temp).catch(() => {});
  }
}

/**
 * Puts `temp` at `dest` in one rename. Windows refuses to replace a running executable but
 * lets it be renamed: the old one moves aside to `<dest>.old` first (back again on failure).
 */
async function replace(temp: string, dest: string, os: string): Promise<void> {
  if (os !== "windows") return await Deno.rename(temp, dest);
  const aside = `${dest}.old`;
  await Deno.remove(aside).catch(() => {});
  const moved = await Deno.rename(dest, aside).then(() => true, () => false);
  try {
    await Deno.rename(temp, dest);
  } catch (err) {
    if (moved) await Deno.rename(aside, dest).catch(() => {});
    throw err;
  }
}
