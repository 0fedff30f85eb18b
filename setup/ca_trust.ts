import { joinPath } from "./_path.ts";
import { singlePemBody } from "./_pem.ts";
import {
  debianStore,
  DEFAULT_LINUX_TRUST_PATHS,
  fedoraStore,
  type LinuxTrustPaths,
  p11kitStore,
} from "./_trust_linux.ts";
import { macosStore } from "./_trust_macos.ts";
import { nssStore } from "./_trust_nss.ts";
import { type CaInput, combineStates, type TrustPart } from "./_trust_part.ts";
import { type Privilege, probePrivilege } from "./_trust_privilege.ts";
import { windowsStore } from "./_trust_windows.ts";
import type { CommandRunner } from "./command_runner.ts";
import type { FileDeps } from "./file_deps.ts";
import {
  type CaTrust,
  createSetupReport,
  type SetupReport,
  type TrustState,
} from "./machine_interfaces.ts";

export type LinuxTrustFamily = "debian" | "fedora" | "p11kit" | "unsupported";

export interface CaTrustPaths extends LinuxTrustPaths {
  /** The user's NSS database (Chromium, Firefox with system NSS). */
  nssDb: string;
  /** macOS: the keychain `add-trusted-cert` writes. */
  keychain: string;
}

export interface CaTrustOptions {
  /** `Deno.build.os`: `linux`, `darwin`, `windows`. */
  os: string;
  runner: CommandRunner;
  files: FileDeps;
  userHome: string;
  isRoot: boolean;
  nonInteractive: boolean;
  /** From `detectLinuxTrustFamily`; required on Linux (detection reads the machine). */
  linuxFamily?: LinuxTrustFamily;
  paths?: Partial<CaTrustPaths>;
}

export { DEBIAN_CA_FILE, FEDORA_CA_FILE } from "./_trust_linux.ts";
export { NSS_NICKNAME } from "./_trust_nss.ts";
export { detectLinuxTrustFamily, parseLinuxTrustFamily } from "./_trust_detect.ts";

/**
 * The OS trust store for our CA, plus the user's NSS database on Linux. Each call reads
 * the CA afresh, so a rotated CA replaces the old one (same file names, same nickname).
 * Without root, Linux steps run through `sudo -n` when that needs no password and are
 * otherwise `manual` with the exact `sudo` line; see `_trust_privilege.ts`.
 */
export function createCaTrust(opts: CaTrustOptions): CaTrust {
  const { os, runner, files } = opts;
  const paths: CaTrustPaths = {
    ...DEFAULT_LINUX_TRUST_PATHS,
    nssDb: joinPath(opts.userHome, ".pki", "nssdb"),
    keychain: "/Library/Keychains/System.keychain",
    ...opts.paths,
  };
  let privilege: Promise<Privilege> | null = null;
  const linuxDeps = {
    runner,
    files,
    privilege: () => privilege ??= probePrivilege(runner, opts.isRoot),
  };

  const parts: TrustPart[] = [];
  let unsupported: string | null = null;
  if (os === "darwin") {
    parts.push(macosStore({ ...opts, keychain: paths.keychain }));
  } else if (os === "windows") {
    parts.push(windowsStore({ runner }));
  } else if (os === "linux") {
    const family = opts.linuxFamily;
    if (family === "debian") parts.push(debianStore(linuxDeps, paths));
    else if (family === "fedora") parts.push(fedoraStore(linuxDeps, paths));
    else if (family === "p11kit") parts.push(p11kitStore(linuxDeps, paths));
    else {
      unsupported = family === undefined
        ? "Linux trust family not given: call detectLinuxTrustFamily first"
        : "no supported system trust tool (update-ca-certificates, update-ca-trust or p11-kit trust): install the ca-certificates package and run init again";
    }
    parts.push(nssStore({ runner, files, dbDir: paths.nssDb }));
  } else {
    unsupported = `no trust store support for OS ${JSON.stringify(os)}`;
  }

  async function readCa(caPemPath: string): Promise<CaInput> {
    const pem = await files.readTextFile(caPemPath);
    if (pem === null) {
      throw new Error(`Cannot read the CA at ${caPemPath}: run halton-meter init to create it`);
    }
    return { path: caPemPath, pem, body: singlePemBody(pem, caPemPath) };
  }

  async function each(
    verb: "trust" | "untrust",
    caPemPath: string,
    act: (part: TrustPart, ca: CaInput) => Promise<SetupReport["steps"]>,
  ): Promise<SetupReport> {
    const report = createSetupReport();
    if (unsupported !== null) {
      // Install could never have added anything here, so there is nothing to take away.
      report.add(
        verb === "trust"
          ? { action: "trust CA (system store)", outcome: "failed", detail: unsupported }
          : {
            action: "untrust CA (system store)",
            outcome: "skipped",
            detail: `nothing was added: ${unsupported}`,
          },
      );
    }
    let ca: CaInput;
    try {
      ca = await readCa(caPemPath);
    } catch (err) {
      report.add({
        action: `${verb} CA`,
        outcome: "failed",
        detail: err instanceof Error ? err.message : String(err),
      });
      return report.done();
    }
    for (const part of parts) {
      for (const step of await act(part, ca)) report.add(step);
    }
    return report.done();
  }

  return {
    describe: () =>
      [
        ...(unsupported === null ? [] : [`${os}: ${unsupported}`]),
        ...parts.map((p) => p.describe),
      ].join("; "),
    install: (caPemPath) => each("trust", caPemPath, (part, ca) => part.install(ca)),
    remove: (caPemPath) => each("untrust", caPemPath, (part, ca) => part.remove(ca)),
    async storedCopies() {
      const copies: { where: string; pem: string }[] = [];
      for (const part of parts) {
        const copy = await part.storedCopy?.();
        if (copy) copies.push(copy);
      }
      return copies;
    },
    async state(caPemPath) {
      if (unsupported !== null) return "unknown";
      let ca: CaInput;
      try {
        ca = await readCa(caPemPath);
      } catch {
        return "unknown";
      }
      const states: (TrustState | null)[] = [];
      for (const part of parts) states.push(await part.state(ca));
      return combineStates(states);
    },
  };
}
