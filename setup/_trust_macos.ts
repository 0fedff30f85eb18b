import { sha1Thumbprint } from "./_pem.ts";
import { appleScriptString, shellLine } from "./_shell_quote.ts";
import type { CaInput, TrustPart } from "./_trust_part.ts";
import { COMMAND_NOT_FOUND, type CommandRunner } from "./command_runner.ts";
import type { SetupStep, TrustState } from "./machine_interfaces.ts";
import { describeResult } from "./service_backend.ts";

export const SYSTEM_KEYCHAIN = "/Library/Keychains/System.keychain";

export interface MacosStoreOptions {
  runner: CommandRunner;
  isRoot: boolean;
  /** No GUI prompt: use `sudo -n` (cached credentials), else print the command. */
  nonInteractive: boolean;
  keychain?: string;
}

interface Cmd {
  argv: string[];
  /** Removing trust settings fails when there are none; the deletion must still run. */
  mayFail?: boolean;
}

const SUDO_REFUSED = /password is required|a terminal is required|may not run sudo/i;

/** The System keychain via `security`, behind an admin prompt (`osascript`) or `sudo -n`. */
export function macosStore(opts: MacosStoreOptions): TrustPart {
  const { runner, isRoot, nonInteractive } = opts;
  const keychain = opts.keychain ?? SYSTEM_KEYCHAIN;

  // A failing `mayFail` command must not stop the next one: `;` instead of `&&`.
  const manual = (cmds: Cmd[]) =>
    cmds.map((c, i) =>
      shellLine(["sudo", ...c.argv]) + (i === cmds.length - 1 ? "" : c.mayFail ? " ; " : " && ")
    ).join("");

  /** The AppleScript that runs `cmds` as root after the macOS password dialog. */
  function osascriptArgs(cmds: Cmd[]): string[] {
    const script = cmds.map((c) => shellLine(c.argv) + (c.mayFail ? " || true" : ""))
      .join(" && ");
    return ["-e", `do shell script ${appleScriptString(script)} with administrator privileges`];
  }

  async function privileged(action: string, cmds: Cmd[], done: string): Promise<SetupStep> {
    const fail = (detail: string): SetupStep => ({
      action,
      outcome: "failed",
      detail,
      command: manual(cmds),
    });
    if (!isRoot && !nonInteractive) {
      const args = osascriptArgs(cmds);
      const result = await runner.run("osascript", args);
      if (result.code === 0) return { action, outcome: "done", detail: done };
      if (/-128|cancel/i.test(result.stderr)) {
        return fail("the administrator prompt was cancelled: run the command below, or init again");
      }
      return fail(describeResult("osascript (admin prompt)", result));
    }
    for (const c of cmds) {
      const argv = isRoot ? c.argv : ["sudo", "-n", ...c.argv];
      const result = await runner.run(argv[0], argv.slice(1));
      if (result.code === 0 || c.mayFail) continue;
      if (!isRoot && SUDO_REFUSED.test(result.stderr)) {
        return {
          action,
          outcome: "manual",
          detail:
            "needs an administrator: sudo -n was refused (--non-interactive), run the command below",
          command: manual(cmds),
        };
      }
      return fail(describeResult(shellLine(argv), result));
    }
    return { action, outcome: "done", detail: done };
  }

  async function verify(ca: CaInput): Promise<TrustState> {
    // Without `-r <cert>`: that would make any self-signed certificate its own anchor.
    const result = await runner.run("security", ["verify-cert", "-c", ca.path, "-p", "ssl"]);
    if (result.code === 0) return "trusted";
    if (result.code === COMMAND_NOT_FOUND) return "unknown";
    return /Cert Verify Result|CSSMERR|not trusted/i.test(result.stdout + result.stderr)
      ? "untrusted"
      : "unknown";
  }

  async function inKeychain(thumbprint: string): Promise<boolean | null> {
    const result = await runner.run("security", ["find-certificate", "-a", "-Z", keychain]);
    if (result.code !== 0) return null;
    return result.stdout.toUpperCase().includes(`SHA-1 HASH: ${thumbprint}`);
  }

  return {
    describe: `macOS: security add-trusted-cert -d -r trustRoot -k ${keychain}`,

    async install(ca) {
      const action = "trust CA (System keychain)";
      if (await verify(ca) === "trusted") {
        return [{ action, outcome: "skipped", detail: `already trusted (security verify-cert)` }];
      }
      const add = [
        "security",
        "add-trusted-cert",
        "-d",
        "-r",
        "trustRoot",
        "-k",
        keychain,
        ca.path,
      ];
      const step = await privileged(action, [{ argv: add }], `${keychain} trusts ${ca.path}`);
      if (step.outcome !== "done") return [step];
      const after = await verify(ca);
      if (after !== "trusted") {
        return [{
          ...step,
          outcome: "failed",
          detail:
            `add-trusted-cert ran but security verify-cert -c ${ca.path} -p ssl says ${after}`,
          command: manual([{ argv: add }]),
        }];
      }
      return [step];
    },

    async remove(ca) {
      const action = "untrust CA (System keychain)";
      const thumbprint = await sha1Thumbprint(ca.body);
      const present = await inKeychain(thumbprint);
      if (present === false) {
        return [{ action, outcome: "skipped", detail: `SHA-1 ${thumbprint} not in ${keychain}` }];
      }
      return [
        await privileged(action, [
          { argv: ["security", "remove-trusted-cert", "-d", ca.path], mayFail: true },
          { argv: ["security", "delete-certificate", "-Z", thumbprint, keychain] },
        ], `deleted SHA-1 ${thumbprint} from ${keychain}`),
      ];
    },

    state: verify,
  };
}
