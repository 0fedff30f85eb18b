import type { Command } from "commander";
import { clockFromEnv, resolveHome } from "../../core/mod.ts";
import { probeHttp } from "../_probes.ts";
import { runBudget } from "./budget.ts";
import { runPolicyCheck, runPolicyExplain } from "./policy_command.ts";
import { runQuota } from "./quota.ts";

const print = (l: string) => console.log(l);
const printError = (l: string) => console.error(l);

/** `budget`, `quota` and `policy check|explain` on the CLI. */
export function registerPolicyCommands(program: Command, setCode: (code: number) => void): void {
  // The same test clock as the daemon's, so `budget` agrees with it in black-box tests.
  const now = clockFromEnv(Deno.env) ?? Date.now;
  const deps = { now, probeHttp };

  program
    .command("budget")
    .description("each budget: spent vs cap, reset, burn rate, projected exhaustion")
    .option("--json", "machine-readable output")
    .option("--check", "exit 1 when any budget is exceeded (for prompts and CI)")
    .action(async (o: { json?: boolean; check?: boolean }) => {
      setCode(
        await runBudget({
          home: resolveHome(Deno.env),
          json: o.json ?? false,
          check: o.check ?? false,
          deps,
          print,
          printError,
        }),
      );
    });

  program
    .command("quota")
    .description("subscription windows (Claude 5h/7d) and rate limits last reported, per account")
    .option("--json", "machine-readable output")
    .action(async (o: { json?: boolean }) => {
      setCode(await runQuota({ home: resolveHome(Deno.env), json: o.json ?? false, deps, print }));
    });

  const policy = program
    .command("policy")
    .description("check policy.json, or explain what it does to a call");
  policy
    .command("check")
    .description("validate a policy file (default: $HALTON_METER_HOME/policy.json)")
    .argument("[file]", "the policy file to check")
    .action((file: string | undefined) => {
      setCode(runPolicyCheck({ home: resolveHome(Deno.env), file, print, printError }));
    });
  policy
    .command("explain")
    .description("what would happen to a call now, and which rule or budget decides")
    .option("--model <model>", "the model the call asks for")
    .option("--project <project>", "the project it is attributed to")
    .option("--provider <provider>", "anthropic, openai, google, ... (default: from the model)")
    .option("--host <host>", "the API host (default: the provider's)")
    .option("--endpoint <endpoint>", "messages, chat_completions, responses, generate_content, ...")
    .option("--client <client>", "client family, e.g. claude-code, curl")
    .option("--key <fingerprint>", "API-key fingerprint (8 hex, as in the calls table)")
    .option("--json", "machine-readable output")
    .action((o: {
      model?: string;
      project?: string;
      provider?: string;
      host?: string;
      endpoint?: string;
      client?: string;
      key?: string;
      json?: boolean;
    }) => {
      setCode(runPolicyExplain({
        home: resolveHome(Deno.env),
        ...o,
        json: o.json ?? false,
        now,
        print,
        printError,
      }));
    });
}
