import { Command } from "commander";
import { parseProgram } from "./_parse_program.ts";
import { type LaunchContext, resolveHome, type Role, VERSION } from "../core/mod.ts";
import { runUp } from "./up.ts";
import { openWithOs, runDashboard } from "./dashboard.ts";
import { runCommand } from "./run_command.ts";
import { runStatus } from "./status.ts";
import { createCommandRunner, systemProxyControlFromEnv } from "../setup/mod.ts";
import { createLifecycleDeps, runStart, runStop } from "./start_stop.ts";
import { registerInitCommands } from "./init_command.ts";
import { createDoctorDeps, runDoctor } from "./doctor.ts";
import { registerPolicyCommands } from "./policy/register.ts";
import { registerUsageCommands } from "./usage/register.ts";
import { registerWatchCommand } from "./watch/register.ts";
import { registerReconcileCommand } from "./reconcile/register.ts";
import { registerUpgradeCommand } from "./upgrade/register.ts";
import { asksVersion, renderVersion, type VersionInfo } from "./version.ts";

export interface CliDeps {
  signal: AbortSignal;
  /** Roles `up` can start in this build. */
  availableRoles: Role[];
  /** How this program starts a role: service entries, `up` and the direct backend use it. */
  launch: LaunchContext;
}

/** Parses the CLI arguments and runs the subcommand; resolves with the exit code. */
export async function runCli(args: string[], deps: CliDeps): Promise<number> {
  const { launch } = deps;
  const version = asksVersion(args);
  if (version !== null) {
    const { BUNDLED_PRICE_VERSION } = await import("../daemon/pricing/mod.ts");
    const info: VersionInfo = {
      version: VERSION,
      price_data: BUNDLED_PRICE_VERSION,
      ...Deno.version,
      target: Deno.build.target,
      compiled: launch.compiled,
    };
    console.log(renderVersion(info, version.json));
    return 0;
  }
  let code = 0;
  const program = new Command()
    .name("halton-meter")
    .description("Meter every LLM API call this machine makes: a local HTTPS proxy.")
    .option("-V, --version", "print the version, the price data and the Deno version (--json too)")
    .exitOverride()
    .enablePositionalOptions()
    .showHelpAfterError();

  program
    .command("up")
    .description("run the edge, daemon and watchdog in the foreground (Ctrl-C stops them)")
    .action(async () => {
      const home = resolveHome(Deno.env);
      code = await runUp({
        home,
        roles: deps.availableRoles,
        launch,
        signal: deps.signal,
        print: (l) => console.log(l),
        printError: (l) => console.error(l),
      });
    });

  // usage, usage blocks (cli/usage/), watch (cli/watch/), reconcile (cli/reconcile/)
  registerUsageCommands(program, (c) => code = c);
  registerWatchCommand(program, (c) => code = c);
  registerReconcileCommand(program, (c) => code = c);

  program
    .command("dashboard")
    .description("open the web dashboard in the browser (a one-time sign-in link)")
    .option("--print", "print the sign-in link instead of opening a browser")
    .action(async (o: { print?: boolean }) => {
      code = await runDashboard({
        home: resolveHome(Deno.env),
        print: o.print ?? false,
        deps: { fetch, open: (url) => openWithOs(url), readTextFile: Deno.readTextFileSync },
        out: (l) => console.log(l),
        err: (l) => console.error(l),
      });
    });

  program
    .command("run")
    .description("run one command with its LLM calls metered: halton-meter run -- <cmd> [args…]")
    .option("--project <name>", "attribute the command's calls to this project")
    .argument("<command...>", "the command and its arguments (put -- before it)")
    .passThroughOptions()
    .action(async (command: string[], o: { project?: string }) => {
      code = await runCommand({
        home: resolveHome(Deno.env),
        project: o.project,
        command,
        env: Deno.env.toObject(),
        printError: (l) => console.error(l),
      });
    });

  program
    .command("status")
    .description("overview of every component: processes, listeners, system proxy, sentinels")
    .option("--json", "machine-readable output (shape: docs/status.schema.json)")
    .action(async (o: { json?: boolean }) => {
      const home = resolveHome(Deno.env);
      const deps = await createLifecycleDeps(home, launch);
      code = await runStatus({
        home,
        json: o.json ?? false,
        deps: {
          ...deps,
          os: Deno.build.os,
          systemProxy: systemProxyControlFromEnv({
            os: Deno.build.os,
            runner: createCommandRunner(),
            env: Deno.env,
          }),
        },
        print: (l) => console.log(l),
      });
    });

  program
    .command("doctor")
    .description(
      "check every layer (CA, trust, services, ports, daemon, database, disk); exit 1 on FAIL",
    )
    .option("--json", "machine-readable output (shape: docs/doctor.schema.json)")
    .option(
      "--python <path>",
      "also check this interpreter's certifi bundle (repeatable)",
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .action(async (o: { json?: boolean; python: string[] }) => {
      const home = resolveHome(Deno.env);
      code = await runDoctor({
        home,
        json: o.json ?? false,
        deps: await createDoctorDeps(home, { pythons: o.python, launch }),
        print: (l) => console.log(l),
      });
    });

  program
    .command("stop")
    .description("stop the daemon and watchdog; the edge stays up in passthrough")
    .action(async () => {
      const home = resolveHome(Deno.env);
      code = await runStop({
        home,
        deps: await createLifecycleDeps(home, launch),
        print: (l) => console.log(l),
        printError: (l) => console.error(l),
      });
    });

  program
    .command("start")
    .description("start the daemon and watchdog (and the edge if it is down)")
    .action(async () => {
      const home = resolveHome(Deno.env);
      code = await runStart({
        home,
        deps: await createLifecycleDeps(home, launch),
        print: (l) => console.log(l),
        printError: (l) => console.error(l),
      });
    });

  // init, onboard, uninstall (cli/init_command.ts)
  registerInitCommands(program, (c) => code = c, launch);

  // budget, quota, policy check|explain (cli/policy/)
  registerPolicyCommands(program, (c) => code = c);

  // upgrade (cli/upgrade/)
  registerUpgradeCommand(program, (c) => code = c, launch);

  program
    .command("restart", { hidden: true })
    .action(() => {
      console.error(
        "There is no restart command: run `halton-meter stop && halton-meter start`.",
      );
      code = 2;
    });

  return await parseProgram(program, args, () => code);
}
