/**
 * `halton-meter run [--project NAME] -- <cmd> [args…]` — run one command metered.
 *
 * The command gets the proxy environment (setup's proxyEnv: proxy variables, the CA
 * for Node, the combined bundle for everything else); the project travels as proxy
 * credentials and lands on its rows. Exit code and signals pass through. When the
 * edge is not running the command still runs, unmetered, with a warning: metering
 * must never be the reason a command fails. When init wrote the Node preload, its
 * `--require` is appended to the NODE_OPTIONS the command inherits (once: `run` inside an
 * apps shell, or nested, does not add it again), never replacing the user's options.
 */
import { homePaths, readEffectivePorts } from "../core/mod.ts";
import { probeDaemonHealth } from "../edge/mod.ts";
import { appendNodeOption, nodePreloadOption, nodePreloadPath, proxyEnv } from "../setup/mod.ts";

export interface RunCommandOptions {
  home: string;
  project?: string;
  command: string[];
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

export async function runCommand(opts: RunCommandOptions): Promise<number> {
  const [program, ...args] = opts.command;
  if (!program) {
    opts.printError("halton-meter run: no command given; usage: halton-meter run -- <cmd> [args…]");
    return 2;
  }
  if (opts.project !== undefined && !/^[\x21-\x7e]{1,128}$/.test(opts.project)) {
    opts.printError(
      `halton-meter run: --project "${opts.project}" must be 1-128 printable characters without spaces`,
    );
    return 2;
  }
  const paths = homePaths(opts.home);
  const edgePort = readEffectivePorts(paths.effectivePorts).edge;
  let env: Record<string, string> = {};
  // The edge answers /health on its own port, like the daemon does on its port.
  const edgeUp = edgePort !== undefined && (await probeDaemonHealth(edgePort)) === "healthy";
  let caReady = false;
  try {
    caReady = Deno.statSync(paths.caBundle).isFile && Deno.statSync(paths.caCert).isFile;
  } catch { /* not created yet */ }
  if (edgeUp && caReady) {
    env = proxyEnv({
      edgePort: edgePort!,
      caPath: paths.caCert,
      bundlePath: paths.caBundle,
      project: opts.project,
    });
    const preload = nodePreloadPath(opts.home);
    try {
      if (Deno.statSync(preload).isFile) {
        env.NODE_OPTIONS = appendNodeOption(
          Deno.env.get("NODE_OPTIONS"),
          nodePreloadOption(preload),
        );
      }
    } catch { /* no preload (init --apps not run) or an unusable path: NODE_OPTIONS as it is */ }
  } else {
    opts.printError(
      `halton-meter run: ${
        edgeUp ? `no CA in ${paths.caDir}` : "the edge is not running"
      }; running "${program}" unmetered (start metering with \`halton-meter up\`)`,
    );
  }
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(program, {
      args,
      env,
      stdin: "inherit",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
  } catch (err) {
    opts.printError(`halton-meter run: cannot start "${program}": ${(err as Error).message}`);
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
