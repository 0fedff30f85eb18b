/**
 * `halton-meter up` — run the proxy in the foreground, no service manager needed.
 *
 * Starts each available role (edge, daemon, watchdog) as its own process (a crash
 * of one never takes the others down), waits until each reports it is listening,
 * prints the ports and the environment to use, restarts a role that dies, and on
 * Ctrl-C / SIGTERM stops them all and waits for them. `up` is the daemon's only
 * supervisor here: the watchdog is told so and never starts a daemon of its own.
 *
 * The environment printed is the whole of what `run` sets (proxyEnv), the Node preload
 * included (written here, so Node before 22.21 is routed too), as lines for bash/zsh.
 *
 * `stop` and `start` from another shell act on these roles: `up` records itself in
 * `run/up.pid`; a daemon stopped by `stop` (graceful-stop present) is not restarted until
 * `start` removes the sentinel, and `start` starts nothing of its own while `up` runs.
 */
import { loadConfig } from "../config/mod.ts";
import { homePaths, type Role } from "../core/mod.ts";
import {
  ensureNodePreload,
  launchCommand,
  type LaunchContext,
  proxyEnv,
  renderShellExports,
} from "../setup/mod.ts";
import { exists } from "./_probes.ts";

export interface UpOptions {
  home: string;
  roles: Role[];
  /** How this program starts a role (main.ts passes its own). */
  launch: LaunchContext;
  /** Aborted on SIGINT/SIGTERM by main.ts. */
  signal: AbortSignal;
  print: (line: string) => void;
  printError: (line: string) => void;
  readyTimeoutMs?: number;
}

interface Child {
  role: Role;
  process: Deno.ChildProcess;
  port: number | null;
  /** Everything the role announced in its ready line (the daemon adds `api`). */
  info: Record<string, unknown>;
  ready: Promise<number>;
}

export const READY_PREFIX = "HALTON_READY ";

/** `run/up.pid`: the `up` supervising the roles of this home, for `start` and `stop`. */
export function upPidPath(home: string): string {
  return `${homePaths(home).run}/up.pid`;
}

function spawnRole(role: Role, opts: UpOptions): Child {
  const cmd = launchCommand(role, opts.launch);
  const process = new Deno.Command(cmd.program, {
    args: cmd.args,
    env: {
      HALTON_METER_HOME: opts.home,
      HALTON_METER_STOP_ON_STDIN_EOF: "1",
      // The watchdog leaves daemon restarts to us: one it started would be detached from
      // `up` and outlive it.
      HALTON_METER_SUPERVISOR: "up",
    },
    // Never written to: its closing tells the role that `up` is gone (see main.ts).
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  let resolveReady!: (port: number) => void;
  let rejectReady!: (err: Error) => void;
  const ready = new Promise<number>((res, rej) => {
    resolveReady = res;
    rejectReady = rej;
  });
  ready.catch(() => {});
  const child: Child = { role, process, port: null, info: {}, ready };
  (async () => {
    let pending = "";
    const decoder = new TextDecoder();
    for await (const chunk of process.stdout) {
      pending += decoder.decode(chunk, { stream: true });
      let nl;
      while ((nl = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (line.startsWith(READY_PREFIX)) {
          try {
            const info = JSON.parse(line.slice(READY_PREFIX.length)) as Record<string, unknown>;
            if (typeof info.port === "number") {
              child.port = info.port;
              child.info = info;
              resolveReady(info.port);
            }
          } catch { /* not ours */ }
        } else if (line.trim() !== "") {
          opts.print(`[${role}] ${line}`);
        }
      }
    }
    rejectReady(new Error(`${role} exited before it was ready`));
  })().catch(() => rejectReady(new Error(`${role} output could not be read`)));
  return child;
}

async function stopChild(child: Child, graceMs: number): Promise<void> {
  try {
    child.process.kill("SIGTERM");
  } catch { /* already gone */ }
  const timer = setTimeout(() => {
    try {
      child.process.kill("SIGKILL");
    } catch { /* already gone */ }
  }, graceMs);
  await child.process.status;
  clearTimeout(timer);
}

/**
 * The environment to use from another shell: everything `run` sets, the Node preload
 * included (written now). A path that cannot go into it is said, never fatal: the roles run.
 */
async function printEnvironment(opts: UpOptions, edgePort: number): Promise<void> {
  const paths = homePaths(opts.home);
  let preload: string | undefined;
  try {
    preload = await ensureNodePreload(opts.home);
  } catch (err) {
    opts.printError(
      `halton-meter up: no Node preload (${
        (err as Error).message
      }); Node before 22.21 will not be routed by the environment below`,
    );
  }
  let lines: string[];
  try {
    const { NODE_EXTRA_CA_CERTS, ...env } = proxyEnv({
      edgePort,
      caPath: paths.caCert,
      bundlePath: paths.caBundle,
      nodePreloadPath: preload,
    });
    // NODE_EXTRA_CA_CERTS ends the banner: scripts and tests wait for it as the last line.
    lines = renderShellExports({ ...env, NODE_EXTRA_CA_CERTS }, "bash");
  } catch (err) {
    opts.printError(
      `halton-meter up: cannot print the environment to use: ${(err as Error).message}`,
    );
    return;
  }
  opts.print(
    "Use it from another shell (bash, zsh), or meter one command: halton-meter run -- <cmd>",
  );
  for (const line of lines) opts.print(`  ${line}`);
}

export async function runUp(opts: UpOptions): Promise<number> {
  const paths = homePaths(opts.home);
  const cfg = loadConfig(paths.config);
  if (!cfg.ok) {
    opts.printError(cfg.message);
    return 78;
  }
  const drainMs = (cfg.config.edge?.drain_timeout_ms ?? 10_000) + 2_000;
  // `up` is a start: an old `stop` no longer holds the daemon down.
  try {
    Deno.removeSync(paths.gracefulStop);
  } catch { /* none */ }
  Deno.mkdirSync(paths.run, { recursive: true });
  Deno.writeTextFileSync(upPidPath(opts.home), `${Deno.pid}\n`);
  try {
    return await supervise(opts, drainMs);
  } finally {
    try {
      if (Deno.readTextFileSync(upPidPath(opts.home)).trim() === String(Deno.pid)) {
        Deno.removeSync(upPidPath(opts.home));
      }
    } catch { /* gone */ }
  }
}

async function supervise(opts: UpOptions, drainMs: number): Promise<number> {
  const paths = homePaths(opts.home);
  const children = new Map<Role, Child>();
  for (const role of opts.roles) children.set(role, spawnRole(role, opts));

  const readyTimeout = opts.readyTimeoutMs ?? 30_000;
  try {
    const timeout = new Promise<never>((_, rej) => {
      const t = setTimeout(
        () => rej(new Error(`roles not ready within ${readyTimeout} ms`)),
        readyTimeout,
      );
      opts.signal.addEventListener("abort", () => clearTimeout(t), { once: true });
      // Settled either way; a role that failed is reported by the race below, not here.
      Promise.all([...children.values()].map((c) => c.ready)).then(
        () => clearTimeout(t),
        () => clearTimeout(t),
      );
    });
    await Promise.race([Promise.all([...children.values()].map((c) => c.ready)), timeout]);
  } catch (err) {
    opts.printError(`halton-meter up: ${(err as Error).message}; see ${paths.logs}/`);
    await Promise.all([...children.values()].map((c) => stopChild(c, drainMs)));
    return 1;
  }

  const port = (role: Role) => children.get(role)?.port;
  const edgePort = port("edge");
  opts.print("Halton Meter is up (foreground; Ctrl-C stops it).");
  opts.print(`  edge    127.0.0.1:${edgePort}   <- point your tools here`);
  if (children.has("daemon")) {
    opts.print(`  daemon  127.0.0.1:${port("daemon")}   (metering proxy, chained from the edge)`);
    opts.print(
      `  api     http://127.0.0.1:${
        children.get("daemon")?.info.api
      }   (token in ${paths.apiToken})`,
    );
  } else {
    opts.print("  daemon  not available in this build: traffic is tunnelled, not metered");
  }
  if (children.has("watchdog")) {
    opts.print(
      `  watchdog pid ${
        children.get("watchdog")?.info.pid
      }   (daemon restarts stay with up; full mode: system proxy follows the edge)`,
    );
  }
  opts.print(`  state   ${opts.home}`);
  await printEnvironment(opts, edgePort!);

  // Supervise: a role that dies is restarted, with backoff, until we are told to stop.
  const backoff = new Map<Role, number>();
  const watch = (child: Child): Promise<void> =>
    child.process.status.then(async (status) => {
      if (opts.signal.aborted) return;
      const delay = Math.min((backoff.get(child.role) ?? 250) * 2, 10_000);
      backoff.set(child.role, delay);
      opts.printError(
        `halton-meter up: ${child.role} exited (code ${status.code}); restarting in ${delay} ms`,
      );
      await new Promise((r) => setTimeout(r, delay));
      if (opts.signal.aborted) return;
      if (child.role === "daemon" && exists(paths.gracefulStop)) {
        // `halton-meter stop` from another shell: down until `start` removes the sentinel.
        opts.printError(
          "halton-meter up: daemon stopped by halton-meter stop; it stays down until halton-meter start (the edge passes traffic through)",
        );
        backoff.delete(child.role);
        while (exists(paths.gracefulStop) && !opts.signal.aborted) {
          await new Promise((r) => setTimeout(r, 200));
        }
        if (opts.signal.aborted) return;
        opts.print("halton-meter up: halton-meter start: starting the daemon again");
      }
      const next = spawnRole(child.role, opts);
      children.set(child.role, next);
      await watch(next);
    });
  const watchers = [...children.values()].map(watch);

  await new Promise<void>((resolve) => {
    if (opts.signal.aborted) resolve();
    opts.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  opts.print("Stopping Halton Meter...");
  await Promise.all([...children.values()].map((c) => stopChild(c, drainMs)));
  await Promise.all(watchers);
  opts.print("Stopped.");
  return 0;
}
