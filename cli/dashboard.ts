/**
 * `halton-meter dashboard [--print]` — open the web dashboard in the browser.
 *
 * Asks the running daemon (bearer token from `api-token`) for a one-time sign-in code and
 * opens `http://127.0.0.1:<api>/dashboard/login?code=...` with the OS's opener (`xdg-open`,
 * `open`, `start`). The link works once, for two minutes; the browser then holds a session
 * cookie, never the API token. With `--print`, or when no opener works, the link is printed.
 */
import { homePaths, readEffectivePorts } from "../core/mod.ts";

export interface DashboardCommandDeps {
  fetch: typeof fetch;
  /** Runs the OS opener on `url`; true when it says it worked. */
  open(url: string): Promise<boolean>;
  readTextFile(path: string): string;
}

export interface DashboardCommandOptions {
  home: string;
  print: boolean;
  deps: DashboardCommandDeps;
  out: (line: string) => void;
  err: (line: string) => void;
}

/** The opener command for an OS, or null where there is none. */
export function openerCommand(os: string, url: string): string[] | null {
  if (os === "darwin") return ["open", url];
  if (os === "windows") return ["cmd", "/c", "start", "", url]; // "": start's window title
  if (os === "linux" || os.endsWith("bsd")) return ["xdg-open", url];
  return null;
}

/** Real opener: spawns the OS command, waits at most 10 s for its exit code. */
export async function openWithOs(url: string, os = Deno.build.os): Promise<boolean> {
  const cmd = openerCommand(os, url);
  if (cmd === null) return false;
  try {
    const child = new Deno.Command(cmd[0], {
      args: cmd.slice(1),
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<null>((r) => timer = setTimeout(() => r(null), 10_000));
    const status = await Promise.race([child.status, timeout]);
    clearTimeout(timer);
    if (status === null) {
      // Still running (some openers wait for the browser): it started, which is enough.
      child.unref();
      return true;
    }
    return status.success;
  } catch {
    return false; // not installed
  }
}

export async function runDashboard(o: DashboardCommandOptions): Promise<number> {
  const paths = homePaths(o.home);
  const port = readEffectivePorts(paths.effectivePorts).api;
  let token: string;
  try {
    token = o.deps.readTextFile(paths.apiToken).trim();
  } catch {
    o.err(
      `halton-meter dashboard: cannot read ${paths.apiToken}: is the daemon set up? Run \`halton-meter start\``,
    );
    return 1;
  }
  if (port === undefined) {
    o.err(
      `halton-meter dashboard: no API port in ${paths.effectivePorts}: the daemon is not running; run \`halton-meter start\``,
    );
    return 1;
  }
  let url: string;
  try {
    const res = await o.deps.fetch(`http://127.0.0.1:${port}/v1/dashboard/login-codes`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });
    const body = await res.json().catch(() => null);
    if (res.status !== 201 || typeof body?.url !== "string") {
      o.err(
        `halton-meter dashboard: the daemon on port ${port} answered ${res.status}: ${
          body?.error?.message ?? "no sign-in link"
        }`,
      );
      return 1;
    }
    url = body.url;
  } catch (error) {
    o.err(
      `halton-meter dashboard: cannot reach the daemon on 127.0.0.1:${port}: ${
        (error as Error).message
      }; run \`halton-meter start\``,
    );
    return 1;
  }
  if (!o.print && await o.deps.open(url)) {
    o.out("Opened the dashboard in your browser (the sign-in link works once, for 2 minutes).");
    return 0;
  }
  if (!o.print) {
    o.err("Could not open a browser; open this link yourself (once, within 2 minutes):");
  }
  o.out(url);
  return 0;
}
