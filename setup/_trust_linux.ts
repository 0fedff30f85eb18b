import { joinPath } from "./_path.ts";
import { containsCert, pemBodies } from "./_pem.ts";
import { shellLine } from "./_shell_quote.ts";
import { elevated, manualLine, type Privilege } from "./_trust_privilege.ts";
import type { CaInput, TrustPart } from "./_trust_part.ts";
import type { CommandRunner } from "./command_runner.ts";
import type { FileDeps } from "./file_deps.ts";
import type { SetupStep } from "./machine_interfaces.ts";
import { describeResult } from "./service_backend.ts";

/** Where the Linux system stores live; tests point them into a sandbox. */
export interface LinuxTrustPaths {
  /** Debian/Ubuntu: `update-ca-certificates` reads `*.crt` from here. */
  debianLocalDir: string;
  /** The bundle `update-ca-certificates` generates. */
  debianBundle: string;
  /** Extra arguments for every `update-ca-certificates` run (`--etccertsdir` ... in tests). */
  debianArgs: string[];
  /** Fedora/RHEL: `update-ca-trust extract` reads anchors from here. */
  fedoraAnchorsDir: string;
  fedoraBundle: string;
  /**
   * p11-kit (`trust anchor`): where distributions put the extracted bundle that proves
   * the anchor took effect; the first that exists is read.
   */
  p11kitBundles: string[];
}

export const DEFAULT_LINUX_TRUST_PATHS: LinuxTrustPaths = {
  debianLocalDir: "/usr/local/share/ca-certificates",
  debianBundle: "/etc/ssl/certs/ca-certificates.crt",
  debianArgs: [],
  fedoraAnchorsDir: "/etc/pki/ca-trust/source/anchors",
  fedoraBundle: "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
  p11kitBundles: [
    "/etc/ssl/certs/ca-certificates.crt", // Arch
    "/etc/ssl/ca-bundle.pem", // openSUSE
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
  ],
};

/** Our file in a drop-in directory; `update-ca-certificates` only reads `.crt` names. */
export const DEBIAN_CA_FILE = "halton-meter-ca.crt";
export const FEDORA_CA_FILE = "halton-meter-ca.pem";

export interface LinuxStoreDeps {
  runner: CommandRunner;
  files: FileDeps;
  privilege: () => Promise<Privilege>;
}

interface DropIn {
  family: string;
  tool: string;
  dir: string;
  file: string;
  bundle: string;
  /** The refresh command; `fresh` after a removal or rotation, so stale links go too. */
  refresh(fresh: boolean): string[];
  /** Run after a removal's refresh, when it applies (see `debianHooksRemoval`). */
  afterRemove?(): Promise<string[] | null>;
}

function stepFor(action: string, commands: string[][]): SetupStep {
  return {
    action,
    outcome: "manual",
    detail: `needs root: run the command below (sudo -n was refused), then run init again`,
    command: manualLine(commands),
  };
}

async function runAll(
  deps: LinuxStoreDeps,
  privilege: Privilege,
  commands: string[][],
): Promise<{ ok: true } | { ok: false; detail: string }> {
  for (const argv of commands) {
    const full = elevated(privilege, argv);
    const result = await deps.runner.run(full[0], full.slice(1));
    if (result.code !== 0) return { ok: false, detail: describeResult(shellLine(full), result) };
  }
  return { ok: true };
}

/** A store fed by a drop-in directory and a refresh command (Debian, Fedora). */
function dropInStore(deps: LinuxStoreDeps, d: DropIn): TrustPart {
  const target = joinPath(d.dir, d.file);
  const inBundle = async (body: string) => {
    const text = await deps.files.readTextFile(d.bundle);
    return text === null ? null : containsCert(text, body);
  };
  const holdsCa = (text: string | null, body: string) => {
    const bodies = text === null ? [] : pemBodies(text);
    return bodies.length === 1 && bodies[0] === body;
  };

  async function change(
    action: string,
    fileCommand: string[],
    fresh: boolean,
    writeAsRoot: () => Promise<void>,
    after: string[][] = [],
  ): Promise<SetupStep> {
    const privilege = await deps.privilege();
    const refresh = d.refresh(fresh);
    if (privilege === "manual") return stepFor(action, [fileCommand, refresh, ...after]);
    const commands = privilege === "root" ? [refresh, ...after] : [fileCommand, refresh, ...after];
    if (privilege === "root") {
      try {
        await writeAsRoot();
      } catch (err) {
        return {
          action,
          outcome: "failed",
          detail: `Cannot change ${target}: ${err instanceof Error ? err.message : String(err)}`,
          command: manualLine([fileCommand, refresh]),
        };
      }
    }
    const ran = await runAll(deps, privilege, commands);
    if (!ran.ok) {
      return {
        action,
        outcome: "failed",
        detail: ran.detail,
        command: manualLine([fileCommand, refresh]),
      };
    }
    return { action, outcome: "done", detail: `${target}; ${shellLine(refresh)}` };
  }

  return {
    describe: `${d.family}: ${d.dir} + ${d.refresh(false).join(" ")}`,

    async install(ca: CaInput) {
      const action = `trust CA (${d.tool})`;
      const existing = await deps.files.readTextFile(target);
      if (holdsCa(existing, ca.body) && await inBundle(ca.body) === true) {
        return [{ action, outcome: "skipped", detail: `already trusted: ${target}` }];
      }
      const copy = ["install", "-D", "-m", "0644", ca.path, target];
      const step = await change(action, copy, existing !== null, async () => {
        await deps.files.mkdir(d.dir);
        await deps.files.writeFile(target, ca.pem, { mode: 0o644 });
      });
      if (step.outcome !== "done") return [step];
      // The refresh can exit 0 and still skip our file (wrong name, unreadable): check.
      if (await inBundle(ca.body) !== true) {
        return [{
          ...step,
          outcome: "failed",
          detail: `${
            shellLine(d.refresh(false))
          } ran but ${d.bundle} does not contain the CA from ${target}`,
        }];
      }
      return [step];
    },

    async remove(ca: CaInput) {
      const action = `untrust CA (${d.tool})`;
      if (!await deps.files.exists(target)) {
        return [{ action, outcome: "skipped", detail: `${target} absent` }];
      }
      const after = await d.afterRemove?.() ?? null;
      const step = await change(
        action,
        ["rm", "-f", target],
        true,
        () => deps.files.removeFile(target),
        after === null ? [] : [after],
      );
      if (step.outcome === "done" && await inBundle(ca.body) === true) {
        return [{
          ...step,
          outcome: "failed",
          detail: `${d.bundle} still contains the CA after ${shellLine(d.refresh(true))}`,
        }];
      }
      return [step];
    },

    async state(ca: CaInput) {
      const bundled = await inBundle(ca.body);
      if (bundled === null) return "unknown";
      return bundled && holdsCa(await deps.files.readTextFile(target), ca.body)
        ? "trusted"
        : "untrusted";
    },

    async storedCopy() {
      const pem = await deps.files.readTextFile(target).catch(() => null);
      return pem === null ? null : { where: target, pem };
    },
  };
}

export function debianStore(deps: LinuxStoreDeps, paths: LinuxTrustPaths): TrustPart {
  return dropInStore(deps, {
    family: "debian",
    tool: "update-ca-certificates",
    dir: paths.debianLocalDir,
    file: DEBIAN_CA_FILE,
    bundle: paths.debianBundle,
    refresh: (fresh) => [
      "update-ca-certificates",
      ...(fresh ? ["--fresh"] : []),
      ...paths.debianArgs,
    ],
    afterRemove: () => debianHooksRemoval(deps.files, paths.debianArgs),
  });
}

/** The value of `--flag X` in `args`, else `fallback`. */
function flagValue(args: readonly string[], flag: string, fallback: string): string {
  const i = args.indexOf(flag);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
}

/**
 * `update-ca-certificates --fresh` (the only way it drops a removed local CA) re-adds every
 * certificate for its hooks but never tells them what went: the Java keystore hook
 * (ca-certificates-java) kept our CA after uninstall. This feeds the hooks the removal line
 * update-ca-certificates would have sent; null where there is no hooks directory.
 */
async function debianHooksRemoval(
  files: FileDeps,
  args: readonly string[],
): Promise<string[] | null> {
  const hooks = flagValue(args, "--hooksdir", "/etc/ca-certificates/update.d");
  if (!await files.exists(hooks)) return null;
  const etc = flagValue(args, "--etccertsdir", "/etc/ssl/certs");
  const pem = joinPath(etc, DEBIAN_CA_FILE.replace(/\.crt$/, ".pem"));
  return [
    "sh",
    "-c",
    'for h in $(run-parts --test -- "$1"); do printf \'%s\\n\' "-$2" | "$h"; done',
    "sh",
    hooks,
    pem,
  ];
}

export function fedoraStore(deps: LinuxStoreDeps, paths: LinuxTrustPaths): TrustPart {
  return dropInStore(deps, {
    family: "fedora",
    tool: "update-ca-trust",
    dir: paths.fedoraAnchorsDir,
    file: FEDORA_CA_FILE,
    bundle: paths.fedoraBundle,
    refresh: () => ["update-ca-trust", "extract"],
  });
}

/** p11-kit's `trust anchor`, which stores the anchor and re-extracts the bundles itself. */
export function p11kitStore(deps: LinuxStoreDeps, paths: LinuxTrustPaths): TrustPart {
  let bundle = paths.p11kitBundles[0];
  const inBundle = async (body: string) => {
    for (const candidate of paths.p11kitBundles) {
      const text = await deps.files.readTextFile(candidate);
      if (text === null) continue;
      bundle = candidate;
      return containsCert(text, body);
    }
    return null;
  };
  async function act(action: string, argv: string[]): Promise<SetupStep> {
    const privilege = await deps.privilege();
    if (privilege === "manual") return stepFor(action, [argv]);
    const ran = await runAll(deps, privilege, [argv]);
    if (!ran.ok) {
      return { action, outcome: "failed", detail: ran.detail, command: manualLine([argv]) };
    }
    return { action, outcome: "done", detail: shellLine(argv) };
  }
  return {
    describe: `p11kit: trust anchor --store (checked in ${paths.p11kitBundles.join(" or ")})`,
    async install(ca) {
      const action = "trust CA (trust anchor)";
      if (await inBundle(ca.body) === true) {
        return [{ action, outcome: "skipped", detail: `already in ${bundle}` }];
      }
      const step = await act(action, ["trust", "anchor", "--store", ca.path]);
      if (step.outcome === "done" && await inBundle(ca.body) !== true) {
        return [{
          ...step,
          outcome: "failed",
          detail: `trust anchor --store ran but ${bundle} does not contain the CA`,
        }];
      }
      return [step];
    },
    async remove(ca) {
      const action = "untrust CA (trust anchor)";
      if (await inBundle(ca.body) === false) {
        return [{ action, outcome: "skipped", detail: `not in ${bundle}` }];
      }
      return [await act(action, ["trust", "anchor", "--remove", ca.path])];
    },
    async state(ca) {
      const bundled = await inBundle(ca.body);
      return bundled === null ? "unknown" : bundled ? "trusted" : "untrusted";
    },
  };
}
