/**
 * Halton Meter entry point. `--role edge|daemon|watchdog` runs a long-lived process,
 * `--role userenv` a one-shot (re-applies the login environment at login); anything else
 * is the CLI. This is the only file that calls Deno.exit.
 *
 * The same module is the daemon's process-lookup worker and its report worker: started as a
 * worker named LOOKUP_WORKER_NAME (REPORT_WORKER_NAME) it serves lookups (reports) instead.
 * So the bundle and the compiled binary, which are this module with everything it imports,
 * need no file beside them.
 */
import {
  clockFromEnv,
  EXECUTABLE_ENV,
  launchContextOf,
  LOOKUP_WORKER_NAME,
  REPORT_WORKER_NAME,
  resolveHome,
  type Role,
} from "./core/mod.ts";

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

/** How this process was started; service entries and `up` start the roles the same way. */
const launch = launchContextOf({
  entryModule: import.meta.url,
  execPath: Deno.execPath(),
  standalone: Deno.build.standalone,
  launcher: Deno.env.get(EXECUTABLE_ENV),
});

async function main(): Promise<number> {
  const role = roleFromArgs(Deno.args);
  if (role === undefined && ["usage", "watch", "reconcile"].includes(Deno.args[0])) {
    // Reports start without loading the rest of the CLI (cli/reports_cli.ts).
    const { runReportsCli } = await import("./cli/reports_cli.ts");
    return await runReportsCli(Deno.args);
  }
  if (role === undefined) {
    const { runCli } = await import("./cli/mod.ts");
    return await runCli(Deno.args, {
      signal: stopSignal(),
      availableRoles: ["edge", "daemon", "watchdog"],
      launch,
    });
  }
  if (!ROLES.includes(role as Role)) {
    console.error(`halton-meter: unknown role "${role}": expected one of ${ROLES.join(", ")}`);
    return 2;
  }
  if (role === "edge") {
    const { runEdge } = await import("./edge/mod.ts");
    return await runEdge({
      home: resolveHome(Deno.env),
      signal: stopSignal(),
      echoLogs: Deno.stderr.isTerminal(),
      onReady: (port) => console.log(`${READY}${JSON.stringify({ role: "edge", port })}`),
    });
  }
  if (role === "daemon") {
    const { runDaemon } = await import("./daemon/mod.ts");
    return await runDaemon({
      home: resolveHome(Deno.env),
      signal: stopSignal(),
      now: clockFromEnv(Deno.env),
      echoLogs: Deno.stderr.isTerminal(),
      entryModule: import.meta.url,
      onReady: (ports) =>
        console.log(
          `${READY}${JSON.stringify({ role: "daemon", port: ports.internal, ...ports })}`,
        ),
    });
  }
  if (role === "watchdog") {
    const { runWatchdog } = await import("./watchdog/mod.ts");
    const signal = stopSignal();
    console.log(`${READY}${JSON.stringify({ role: "watchdog", port: 0, pid: Deno.pid })}`);
    return await runWatchdog({
      home: resolveHome(Deno.env),
      signal,
      echoLogs: Deno.stderr.isTerminal(),
      launch,
      daemonRestartBy: Deno.env.get("HALTON_METER_SUPERVISOR") === "up" ? "up" : "service",
      // Test hook: a short interval makes the watchdog see a daemon that is down briefly.
      intervalMs: Number(Deno.env.get("HALTON_METER_WATCHDOG_INTERVAL_MS")) || undefined,
    });
  }
  const { runUserenvRole } = await import("./userenv/mod.ts");
  return await runUserenvRole({
    home: resolveHome(Deno.env),
    echoLogs: Deno.stderr.isTerminal(),
  });
}

const workerName = (globalThis as { name?: unknown }).name;
if (workerName === LOOKUP_WORKER_NAME) {
  const { serveLookups } = await import("./daemon/attribution/mod.ts");
  serveLookups(globalThis);
} else if (workerName === REPORT_WORKER_NAME) {
  const { serveReports } = await import("./daemon/store/serve_reports.ts");
  serveReports(globalThis);
} else {
  Deno.exit(await main());
}
