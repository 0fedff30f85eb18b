/**
 * `halton-meter run [--project NAME] -- <cmd> [args…]` — run one command metered.
 *
 * The command gets the user's environment plus the proxy environment (setup's proxyEnv:
 * proxy variables, the CA for Node, the combined bundle for everything else); the project
 * travels as proxy credentials and lands on its rows. Exit code and signals pass through.
 * When the edge is not running the command still runs, unmetered, with a warning: metering
 * must never be the reason a command fails.
 *
 * What the command sees, beyond the proxy variables:
 * - the caller's environment, not the checkout wrapper's (`DENO`, `PATH`: see callerEnv);
 * - `NODE_OPTIONS` with our Node preload appended (written or refreshed here, so every Node
 *   is routed, also without `init --apps`), once: `run` inside an apps shell, or nested,
 *   does not add it again, and the user's options stay;
 * - `NODE_EXTRA_CA_CERTS` naming a file with the user's certificates and our CA when the
 *   user had their own (Node reads one file: see nodeExtraCaCerts).
 */
import { homePaths, readEffectivePorts } from "../core/mod.ts";
import {
  cleanProject,
  MAX_PROJECT_CHARS,
  MAX_RAW_PROJECT_CHARS,
} from "../daemon/attribution/mod.ts";
import { probeDaemonHealth } from "../edge/mod.ts";
import {
  appendNodeOption,
  callerEnv,
  ensureNodePreload,
  nodeExtraCaCerts,
  nodePreloadOption,
  proxyEnv,
} from "../setup/mod.ts";

export interface RunCommandOptions {
  home: string;
  project?: string;
  command: string[];
  /** The environment `run` itself was started with (`Deno.env.toObject()`). */
  env: Readonly<Record<string, string>>;
  printError: (line: string) => void;
}

const SIGNALS: Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"];
const SIGNAL_NUMBERS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGKILL: 9,
  SIGTERM: 15,
};

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Whether the daemon will record `project` exactly as given. The proxy URL carries it
 * percent-encoded (see proxyUrl) and the daemon decodes and checks it (cleanProject), so
 * the name must survive that round trip: printable, no spaces at either end, 1-128
 * characters, and at most 1024 once percent-encoded.
 */
function usableProject(project: string): boolean {
  return cleanProject(encodeURIComponent(project)) === project;
}

/** The command's environment: the caller's, plus the proxy environment when metered. */
async function commandEnv(
  opts: RunCommandOptions,
  program: string,
): Promise<Record<string, string>> {
  const caller = callerEnv(opts.env);
  const paths = homePaths(opts.home);
  const edgePort = readEffectivePorts(paths.effectivePorts).edge;
  // The edge answers /health on its own port, like the daemon does on its port.
  const edgeUp = edgePort !== undefined && (await probeDaemonHealth(edgePort)) === "healthy";
  let caReady = false;
  try {
    caReady = Deno.statSync(paths.caBundle).isFile && Deno.statSync(paths.caCert).isFile;
  } catch { /* not created yet */ }
  if (!edgeUp || !caReady) {
    opts.printError(
      `halton-meter run: ${
        edgeUp ? `no CA in ${paths.caDir}` : "the edge is not running"
      }; running "${program}" unmetered (start metering with \`halton-meter up\`)`,
    );
    return caller;
  }
  const env: Record<string, string> = {
    ...caller,
    ...proxyEnv({
      edgePort: edgePort!,
      caPath: paths.caCert,
      bundlePath: paths.caBundle,
      project: opts.project,
    }),
  };
  try {
    const extra = await nodeExtraCaCerts({
      home: opts.home,
      caPath: paths.caCert,
      userValue: caller.NODE_EXTRA_CA_CERTS,
    });
    env.NODE_EXTRA_CA_CERTS = extra.path;
    if (extra.warning) opts.printError(`halton-meter run: ${extra.warning}`);
  } catch (err) {
    opts.printError(
      `halton-meter run: ${
        message(err)
      }; NODE_EXTRA_CA_CERTS is Halton Meter's CA alone for "${program}"`,
    );
  }
  try {
    const preload = await ensureNodePreload(opts.home);
    env.NODE_OPTIONS = appendNodeOption(caller.NODE_OPTIONS, nodePreloadOption(preload));
  } catch (err) {
    // NODE_OPTIONS stays the caller's; Node 22.21+ and 24.5+ still route by themselves.
    opts.printError(
      `halton-meter run: no Node preload (${
        message(err)
      }); Node before 22.21 will not be metered in "${program}"`,
    );
  }
  return env;
}

export async function runCommand(opts: RunCommandOptions): Promise<number> {
  const [program, ...args] = opts.command;
  if (!program) {
    opts.printError("halton-meter run: no command given; usage: halton-meter run -- <cmd> [args…]");
    return 2;
  }
  if (opts.project !== undefined && !usableProject(opts.project)) {
    opts.printError(
      `halton-meter run: --project ${
        JSON.stringify(opts.project)
      } is not a usable project name: give 1-${MAX_PROJECT_CHARS} printable characters (no control characters, no spaces at either end; at most ${MAX_RAW_PROJECT_CHARS} once percent-encoded)`,
    );
    return 2;
  }
  const env = await commandEnv(opts, program);
  let child: Deno.ChildProcess;
  try {
    // The whole environment is given (clearEnv): the wrapper's DENO must not come through.
    // The program is looked up on the PATH given here, the user's.
    child = new Deno.Command(program, {
      args,
      env,
      clearEnv: true,
      stdin: "inherit",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
  } catch (err) {
    opts.printError(`halton-meter run: cannot start "${program}": ${message(err)}`);
    return err instanceof Deno.errors.NotFound ? 127 : 126;
  }
  // Forward signals so Ctrl-C reaches the command, as if we were not in between.
  const forwarders = SIGNALS.map((sig) => {
    const f = () => {
      try {
        child.kill(sig);
      } catch { /* already gone */ }
    };
    try {
      Deno.addSignalListener(sig, f);
    } catch { /* not supported here */ }
    return [sig, f] as const;
  });
  const status = await child.status;
  for (const [sig, f] of forwarders) {
    try {
      Deno.removeSignalListener(sig, f);
    } catch { /* not registered */ }
  }
  if (status.signal) return 128 + (SIGNAL_NUMBERS[status.signal] ?? 0);
  return status.code;
}
