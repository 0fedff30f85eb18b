/**
 * Desktop notifications with what the OS already has: `notify-send` (Linux, libnotify) or
 * `osascript` (macOS). Opt-in (`notify.desktop` in policy.json); never waits, never throws:
 * when the tool is missing it says so once in the log and stays quiet.
 */

export interface NotifyDeps {
  os: typeof Deno.build.os;
  /** Starts a command without waiting for it; throws Deno.errors.NotFound when it is missing. */
  spawn(cmd: string, args: string[]): void;
  log(message: string): void;
}

/** AppleScript string literal. */
function appleString(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** The command that shows a notification on this OS; null where there is none without new software. */
export function notifyCommand(
  os: typeof Deno.build.os,
  title: string,
  body: string,
): { cmd: string; args: string[] } | null {
  const b = body.length > 300 ? `${body.slice(0, 297)}...` : body;
  if (os === "darwin") {
    return {
      cmd: "osascript",
      args: ["-e", `display notification ${appleString(b)} with title ${appleString(title)}`],
    };
  }
  if (os === "linux" || os === "freebsd" || os === "netbsd") {
    return { cmd: "notify-send", args: ["--app-name=Halton Meter", title, b] };
  }
  return null;
}

export function createDesktopNotifier(deps: NotifyDeps): (title: string, body: string) => void {
  let disabled = false;
  return (title, body) => {
    if (disabled) return;
    const c = notifyCommand(deps.os, title, body);
    if (!c) {
      disabled = true;
      deps.log(`desktop notifications are not available on ${deps.os}`);
      return;
    }
    try {
      deps.spawn(c.cmd, c.args);
    } catch (err) {
      disabled = true;
      deps.log(`desktop notifications off: cannot run ${c.cmd}: ${(err as Error).message}`);
    }
  };
}

/** Real spawning: detached from our stdio, reaped in the background. */
export function spawnDetached(cmd: string, args: string[]): void {
  const child = new Deno.Command(cmd, { args, stdin: "null", stdout: "null", stderr: "null" })
    .spawn();
  child.status.catch(() => {});
  child.unref();
}
