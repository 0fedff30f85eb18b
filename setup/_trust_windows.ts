import { sha1Thumbprint } from "./_pem.ts";
import { quoteWindowsArg } from "./_windows_quote.ts";
import type { CaInput, TrustPart } from "./_trust_part.ts";
import { COMMAND_NOT_FOUND, type CommandRunner } from "./command_runner.ts";
import type { SetupStep, TrustState } from "./machine_interfaces.ts";
import { describeResult } from "./service_backend.ts";

const NOT_FOUND = /CRYPT_E_NOT_FOUND|0x80092004/i;

/**
 * The current user's Root store via `certutil -user`: no administrator rights, but
 * Windows itself asks the user to confirm the new root in a dialog.
 */
export function windowsStore(opts: { runner: CommandRunner }): TrustPart {
  const { runner } = opts;
  const line = (args: string[]) => ["certutil", ...args].map(quoteWindowsArg).join(" ");

  async function inStore(ca: CaInput): Promise<TrustState> {
    const args = ["-user", "-verifystore", "Root", await sha1Thumbprint(ca.body)];
    const result = await runner.run("certutil", args);
    if (result.code === 0) return "trusted";
    if (result.code === COMMAND_NOT_FOUND) return "unknown";
    return NOT_FOUND.test(result.stdout + result.stderr) ? "untrusted" : "unknown";
  }

  async function run(action: string, args: string[]): Promise<SetupStep> {
    const result = await runner.run("certutil", args);
    if (result.code === 0) return { action, outcome: "done", detail: line(args) };
    return {
      action,
      outcome: "failed",
      detail: describeResult(line(args), result),
      command: line(args),
    };
  }

  return {
    describe: "Windows: certutil -user -addstore Root",
    async install(ca) {
      const action = "trust CA (certutil -user Root)";
      if (await inStore(ca) === "trusted") {
        return [{ action, outcome: "skipped", detail: "already in the user Root store" }];
      }
      return [await run(action, ["-user", "-addstore", "Root", ca.path])];
    },
    async remove(ca) {
      const action = "untrust CA (certutil -user Root)";
      const thumbprint = await sha1Thumbprint(ca.body);
      if (await inStore(ca) === "untrusted") {
        return [{ action, outcome: "skipped", detail: `${thumbprint} not in the user Root store` }];
      }
      return [await run(action, ["-user", "-delstore", "Root", thumbprint])];
    },
    state: inStore,
  };
}
