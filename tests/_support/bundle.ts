/**
 * The program as one file, alone in an empty directory far from the checkout: what tests run
 * to prove the compiled shape where `denort` (and so `deno compile`) is not available. The
 * bundle is built by `deno bundle` from main.ts, the graph `deno compile` embeds.
 */
import { bundleProgram } from "../../scripts/bundle.ts";
import { DAEMON_SOURCE_PERMISSIONS, SOURCE_PERMISSIONS } from "../../setup/mod.ts";

export interface IsolatedBundle {
  /** The directory holding only the bundle (and what a test adds). */
  dir: string;
  /** `<dir>/halton-meter.js`. */
  path: string;
  /** `deno run --quiet <the roles' permissions> <path>`: the program, as the CLI. */
  command: string[];
}

/** Builds the bundle in a scratch directory and copies only the file into a new empty one. */
export async function isolatedBundle(prefix = "hm-bundle-"): Promise<IsolatedBundle> {
  const build = await Deno.makeTempDir({ prefix: "hm-bundle-build-" });
  const dir = await Deno.makeTempDir({ prefix });
  try {
    await bundleProgram(`${build}/halton-meter.js`);
    await Deno.copyFile(`${build}/halton-meter.js`, `${dir}/halton-meter.js`);
  } finally {
    await Deno.remove(build, { recursive: true });
  }
  const path = `${dir}/halton-meter.js`;
  return { dir, path, command: [Deno.execPath(), "run", "--quiet", ...SOURCE_PERMISSIONS, path] };
}

/**
 * A launcher for `at` that runs `bundle` as the compiled binary would run: all roles with the
 * binary's permissions (`--allow-all`: the daemon's, compiled in), and roles started through
 * the launcher itself (HALTON_METER_EXECUTABLE).
 */
export function launcherScript(at: string, bundle: string): string {
  const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  return `#!/bin/sh\nHALTON_METER_EXECUTABLE=${q(at)}\nexport HALTON_METER_EXECUTABLE\nexec ${
    q(Deno.execPath())
  } run --quiet ${DAEMON_SOURCE_PERMISSIONS.join(" ")} ${q(bundle)} "$@"\n`;
}

/** Writes launcherScript(at, bundle) at `at`, executable. */
export async function writeLauncher(at: string, bundle: string): Promise<string> {
  await Deno.mkdir(at.slice(0, at.lastIndexOf("/")), { recursive: true });
  await Deno.writeTextFile(at, launcherScript(at, bundle), { mode: 0o755 });
  return at;
}
