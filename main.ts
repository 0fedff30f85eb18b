/**
 * Halton Meter entry point. `--role edge|daemon|watchdog` runs a long-lived process,
 * `--role userenv` a one-shot (re-applies the login environment at login); anything else
 * is the CLI. This is the only file that calls Deno.exit.
 */
import { clockFromEnv, resolveHome, type Role } from "./core/mod.ts";

const ROLES: readonly Role[] = ["edge", "daemon", "watchdog", "userenv"];

function roleFromArgs(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--role") return args[i + 1] ?? "";
    if (args[i].startsWith("--role=")) return args[i].slice("--role=".length);
  }
  return undefined;
}

function stopSignal(): AbortSignal {
  const controller = new AbortController();
  const stop = () => controller.abort();
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
  if (Deno.env.get("HALTON_METER_STOP_ON_STDIN_EOF") === "1") {
    // Started by `up`: our stdin is a pipe from it. When `up` dies, even by SIGKILL,
    // the pipe closes and we stop too instead of lingering as an orphan.
    (async () => {
      const buf = new Uint8Array(64);
      while ((await Deno.stdin.read(buf)) !== null) { /* nothing is sent */ }
    })().catch(() => {}).finally(stop);
  }
  return controller.signal;
}

const READY = "HALTON_READY ";
const role = roleFromArgs(Deno.args);
let code: number;
if (role !== undefined) {
  if (!ROLES.includes(role as Role)) {
    console.error(`halton-meter: unknown role "${role}": expected one of ${ROLES.join(", ")}`);
    code = 2;
  } else if (role === "edge") {
    const { runEdge } = await import("./edge/mod.ts");
    code = await runEdge({
      home: resolveHome(Deno.env),
      signal: stopSignal(),
      echoLogs: Deno.stderr.isTerminal(),
      onReady: (port) => console.log(`${READY}${JSON.stringify({ role: "edge", port })}`),
    });
  } else if (role === "daemon") {
    const { runDaemon } = await import("./daemon/mod.ts");
    code = await runDaemon({
      home: resolveHome(Deno.env),
      signal: stopSignal(),
      now: clockFromEnv(Deno.env),
      echoLogs: Deno.stderr.isTerminal(),
      onReady: (ports) =>
        console.log(
          `${READY}${JSON.stringify({ role: "daemon", port: ports.internal, ...ports })}`,
        ),
    });
  } else if (role === "watchdog") {
    const { runWatchdog, currentLaunchContext } = await import("./watchdog/mod.ts");
    const signal = stopSignal();
    console.log(`${READY}${JSON.stringify({ role: "watchdog", port: 0, pid: Deno.pid })}`);
    code = await runWatchdog({
      home: resolveHome(Deno.env),
      signal,
      echoLogs: Deno.stderr.isTerminal(),
      launch: currentLaunchContext(),
      daemonRestartBy: Deno.env.get("HALTON_METER_SUPERVISOR") === "up" ? "up" : "service",
      // Test hook: a short interval makes the watchdog see a daemon that is down briefly.
      intervalMs: Number(Deno.env.get("HALTON_METER_WATCHDOG_INTERVAL_MS")) || undefined,
    });
  } else if (role === "userenv") {
    const { runUserenvRole } = await import("./userenv/mod.ts");
    code = await runUserenvRole({
      home: resolveHome(Deno.env),
      echoLogs: Deno.stderr.isTerminal(),
    });
  } else {
    console.error(`halton-meter: role "${role}" is not available in this build yet`);
    code = 2;
  }
} else if (["usage", "watch", "reconcile"].includes(Deno.args[0])) {
  // Reports start without loading the rest of the CLI (cli/reports_cli.ts).
  const { runReportsCli } = await import("./cli/reports_cli.ts");
  code = await runReportsCli(Deno.args);
} else {
  const { runCli } = await import("./cli/mod.ts");
  code = await runCli(Deno.args, {
    signal: stopSignal(),
    availableRoles: ["edge", "daemon", "watchdog"],
  });
}
Deno.exit(code);
