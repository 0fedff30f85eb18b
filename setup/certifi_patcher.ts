import { joinPath } from "./_path.ts";
import { containsCert, singlePemBody } from "./_pem.ts";
import { sudoPatchLine, sudoRemoveBlockLine } from "./_certifi_commands.ts";
import { addCertifiBlock, holdsCertifiBlock, removeCertifiBlock } from "./certifi_block.ts";
import type { CommandRunner } from "./command_runner.ts";
import type { FileDeps } from "./file_deps.ts";
import {
  type CertifiPatcher,
  type CertifiTarget,
  createSetupReport,
  type SetupStep,
} from "./machine_interfaces.ts";
import { describeResult } from "./service_backend.ts";

export interface CertifiPatcherOptions {
  runner: CommandRunner;
  files: FileDeps;
  env: { PATH: string; HOME: string; PYENV_ROOT?: string };
  isRoot: boolean;
  /** Entry names of a directory, `null` when it does not exist (pyenv versions). */
  listDir?: (path: string) => Promise<string[] | null>;
  /** `Deno.build.os`; Windows changes the PATH separator and interpreter file names. */
  os?: string;
}

/**
 * Asked of every interpreter. The real path dedupes bundles reached through symlinks
 * (pyenv shims, venvs sharing a base install).
 */
export const CERTIFI_PROBE = "import certifi, os; print(os.path.realpath(certifi.where()))";

async function readDirNames(path: string): Promise<string[] | null> {
  try {
    const names: string[] = [];
    for await (const entry of Deno.readDir(path)) names.push(entry.name);
    return names;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw new Error(`Cannot list ${path}: ${String(err)}`, { cause: err });
  }
}

function isPermissionError(err: unknown): boolean {
  return err instanceof Deno.errors.PermissionDenied ||
    (err instanceof Error &&
      /permission denied|EACCES|EPERM|read-only file system|EROFS/i.test(err.message));
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Finds Python interpreters' certifi bundles and appends / removes our marked CA block. */
export function createCertifiPatcher(opts: CertifiPatcherOptions): CertifiPatcher {
  const { runner, files, env, isRoot } = opts;
  const windows = (opts.os ?? Deno.build.os) === "windows";
  const listDir = opts.listDir ?? readDirNames;
  const exe = (name: string) => windows ? `${name}.exe` : name;

  async function onPath(name: string): Promise<string | null> {
    for (const dir of env.PATH.split(windows ? ";" : ":")) {
      if (dir === "") continue;
      const candidate = joinPath(dir, exe(name));
      if (await files.exists(candidate)) return candidate;
    }
    return null;
  }

  async function pyenvPythons(): Promise<string[]> {
    const root = env.PYENV_ROOT ?? joinPath(env.HOME, ".pyenv");
    const versions = joinPath(root, "versions");
    const names = (await listDir(versions) ?? []).sort();
    const found: string[] = [];
    for (const name of names) {
      const python = windows
        ? joinPath(versions, name, "python.exe")
        : joinPath(versions, name, "bin", "python");
      if (await files.exists(python)) found.push(python);
    }
    return found;
  }

  async function probe(python: string): Promise<CertifiTarget> {
    const result = await runner.run(python, ["-c", CERTIFI_PROBE]);
    const lines = result.stdout.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "");
    if (result.code === 0 && lines.length > 0) return { python, bundle: lines[lines.length - 1] };
    const said = result.stderr.trim().split(/\r?\n/).pop() ?? "";
    const error = result.code === 0
      ? "printed no certifi path"
      : describeResult(`${python} -c 'import certifi'`, { ...result, stderr: said });
    return { python, bundle: null, error };
  }

  /**
   * Writes `next` over `bundle`. A user denied the write gets `sudoLine()` to paste; root
   * and Windows (no sudo) get a failure, as does any other error.
   */
  async function writeBundle(
    action: string,
    bundle: string,
    next: string,
    sudoLine: () => string,
  ): Promise<SetupStep> {
    try {
      await files.writeFile(bundle, next);
      return { action, outcome: "done", detail: bundle };
    } catch (err) {
      if (!isPermissionError(err) || isRoot || windows) {
        return { action, outcome: "failed", detail: `Cannot write ${bundle}: ${message(err)}` };
      }
      return {
        action,
        outcome: "manual",
        detail: `${bundle} is not writable by this user: run the command below`,
        command: sudoLine(),
      };
    }
  }

  return {
    async discover(extra) {
      const candidates: string[] = [];
      for (const name of ["python3", "python"]) {
        const found = await onPath(name);
        if (found !== null) candidates.push(found);
      }
      candidates.push(...await pyenvPythons(), ...extra);
      const targets: CertifiTarget[] = [];
      const seenBundles = new Set<string>();
      for (const python of new Set(candidates)) {
        const target = await probe(python);
        if (target.bundle !== null) {
          if (seenBundles.has(target.bundle)) continue;
          seenBundles.add(target.bundle);
        }
        targets.push(target);
      }
      return targets;
    },

    async patch(bundles, caPem) {
      const report = createSetupReport();
      let body: string;
      try {
        body = singlePemBody(caPem, "the CA given to the certifi patcher");
      } catch (err) {
        report.add({ action: "patch certifi", outcome: "failed", detail: message(err) });
        return report.done();
      }
      for (const bundle of new Set(bundles)) {
        const action = `patch certifi ${bundle}`;
        const text = await files.readTextFile(bundle);
        if (text === null) {
          report.add({
            action,
            outcome: "failed",
            detail:
              `${bundle} does not exist: reinstall certifi for that interpreter (pip install --force-reinstall certifi)`,
          });
          continue;
        }
        let next: string;
        try {
          next = addCertifiBlock(text, caPem);
        } catch (err) {
          report.add({ action, outcome: "failed", detail: message(err) });
          continue;
        }
        if (next === text) {
          report.add({ action, outcome: "skipped", detail: `already patched: ${bundle}` });
          continue;
        }
        // Distribution builds point certifi at the system bundle, which the OS store
        // step already regenerated with our CA: a second copy would only go stale.
        if (removeCertifiBlock(text) === text && containsCert(text, body)) {
          report.add({
            action,
            outcome: "skipped",
            detail: `${bundle} already contains the CA (a system bundle)`,
          });
          continue;
        }
        report.add(
          await writeBundle(action, bundle, next, () => sudoPatchLine(bundle, text, caPem)),
        );
      }
      return report.done();
    },

    async unpatch(bundles) {
      const report = createSetupReport();
      for (const bundle of new Set(bundles)) {
        const action = `unpatch certifi ${bundle}`;
        const text = await files.readTextFile(bundle);
        if (text === null) {
          report.add({ action, outcome: "skipped", detail: `${bundle} no longer exists` });
          continue;
        }
        let next: string;
        try {
          next = removeCertifiBlock(text);
        } catch (err) {
          report.add({ action, outcome: "failed", detail: message(err) });
          continue;
        }
        if (next === text) {
          report.add({ action, outcome: "skipped", detail: `no halton-meter block in ${bundle}` });
          continue;
        }
        report.add(await writeBundle(action, bundle, next, () => sudoRemoveBlockLine(bundle)));
      }
      return report.done();
    },

    async state(bundle, caPem) {
      const text = await files.readTextFile(bundle);
      if (text === null) return "missing";
      try {
        if (removeCertifiBlock(text) === text) return "unpatched";
        return holdsCertifiBlock(text, caPem) ? "patched" : "stale";
      } catch {
        // An unclosed or doubled block: ours, but not in the shape patch leaves.
        return "stale";
      }
    },
  };
}
