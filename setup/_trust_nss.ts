import { pemBodies } from "./_pem.ts";
import { shellLine } from "./_shell_quote.ts";
import type { CaInput, TrustPart } from "./_trust_part.ts";
import { COMMAND_NOT_FOUND, type CommandRunner } from "./command_runner.ts";
import type { FileDeps } from "./file_deps.ts";
import type { SetupStep } from "./machine_interfaces.ts";
import { describeResult } from "./service_backend.ts";

/** The nickname our CA carries in NSS databases; `remove` deletes by it. */
export const NSS_NICKNAME = "Halton Meter CA";

// certutil can hold several certificates under one nickname; never loop forever.
const MAX_DELETES = 8;

/**
 * The user's shared NSS database (`~/.pki/nssdb`), which Chromium and (with the
 * system NSS) Firefox consult on Linux. User-owned: no root needed. Skipped when the
 * database or `certutil` is missing, since then no browser reads it.
 */
export function nssStore(
  opts: { runner: CommandRunner; files: FileDeps; dbDir: string },
): TrustPart {
  const { runner, files, dbDir } = opts;
  const db = `sql:${dbDir}`;
  const certutil = (args: string[]) => runner.run("certutil", ["-d", db, ...args]);

  /** The bodies stored under our nickname, `null` when certutil is missing. */
  async function stored(): Promise<string[] | null> {
    const result = await certutil(["-L", "-n", NSS_NICKNAME, "-a"]);
    if (result.code === COMMAND_NOT_FOUND) return null;
    return result.code === 0 ? pemBodies(result.stdout) : [];
  }

  async function deleteAll(action: string): Promise<SetupStep | null> {
    for (let i = 0; i < MAX_DELETES; i++) {
      const bodies = await stored();
      if (bodies === null || bodies.length === 0) return null;
      const args = ["-D", "-n", NSS_NICKNAME];
      const result = await certutil(args);
      if (result.code !== 0) {
        const line = shellLine(["certutil", "-d", db, ...args]);
        return { action, outcome: "failed", detail: describeResult(line, result), command: line };
      }
    }
    return {
      action,
      outcome: "failed",
      detail: `${dbDir} still holds "${NSS_NICKNAME}" after ${MAX_DELETES} deletions`,
    };
  }

  const absent = async (action: string): Promise<SetupStep | null> => {
    if (await files.exists(dbDir)) return null;
    return { action, outcome: "skipped", detail: `no NSS database at ${dbDir}` };
  };
  const noCertutil = (action: string): SetupStep => ({
    action,
    outcome: "skipped",
    detail:
      `certutil not found: install libnss3-tools (Debian/Ubuntu) or nss-tools (Fedora) and run init again so Chromium/Firefox trust the CA`,
  });

  return {
    describe: `NSS: certutil -d ${db}`,

    async install(ca: CaInput) {
      const action = `trust CA (NSS ${dbDir})`;
      const skip = await absent(action);
      if (skip) return [skip];
      const bodies = await stored();
      if (bodies === null) return [noCertutil(action)];
      if (bodies.length === 1 && bodies[0] === ca.body) {
        return [{ action, outcome: "skipped", detail: `already trusted as "${NSS_NICKNAME}"` }];
      }
      // A rotated CA: drop the old one first, or both would sit under one nickname.
      if (bodies.length > 0) {
        const failed = await deleteAll(`untrust old CA (NSS ${dbDir})`);
        if (failed) return [failed];
      }
      const args = ["-A", "-t", "C,,", "-n", NSS_NICKNAME, "-i", ca.path];
      const line = shellLine(["certutil", "-d", db, ...args]);
      const result = await certutil(args);
      if (result.code !== 0) {
        return [{ action, outcome: "failed", detail: describeResult(line, result), command: line }];
      }
      return [{ action, outcome: "done", detail: line }];
    },

    async remove() {
      const action = `untrust CA (NSS ${dbDir})`;
      const skip = await absent(action);
      if (skip) return [skip];
      const bodies = await stored();
      if (bodies === null) return [noCertutil(action)];
      if (bodies.length === 0) {
        return [{ action, outcome: "skipped", detail: `no "${NSS_NICKNAME}" in ${dbDir}` }];
      }
      const failed = await deleteAll(action);
      return [
        failed ?? { action, outcome: "done", detail: `deleted "${NSS_NICKNAME}" from ${db}` },
      ];
    },

    async state(ca: CaInput) {
      if (!await files.exists(dbDir)) return null;
      const bodies = await stored();
      if (bodies === null) return null;
      return bodies.includes(ca.body) ? "trusted" : "untrusted";
    },
  };
}
