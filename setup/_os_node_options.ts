import type { CommandRunner } from "./command_runner.ts";
import { appendNodeOption, NODE_OPTIONS, removePreloadOptions } from "./node_options.ts";

/** What the OS store holds for `NODE_OPTIONS`: `null` when it is unset. */
interface Stored {
  value: string;
  /** Registry value type, kept when we write the value back. */
  type: string;
}

/**
 * `NODE_OPTIONS` in launchctl (macOS) or `HKCU\Environment` (Windows): no shell expands
 * anything there, so the user's value is read and our option appended to it (once); taking
 * it away strips exactly our option again, which puts back the user's value as it is then
 * (launchctl forgets everything at logout, so a value recorded at init could be stale).
 * `read` returns null where the value cannot be understood: it is then left alone.
 */
async function read(
  os: string,
  runner: CommandRunner,
  key: string,
): Promise<Stored | "unset" | null> {
  if (os === "darwin") {
    const r = await runner.run("launchctl", ["getenv", NODE_OPTIONS]);
    const value = r.code === 0 ? r.stdout.replace(/\r?\n$/, "") : "";
    return value === "" ? "unset" : { value, type: "" };
  }
  const r = await runner.run("reg", ["query", key, "/v", NODE_OPTIONS]);
  if (r.code !== 0) return /unable to find/i.test(r.stderr + r.stdout) ? "unset" : null;
  const m = new RegExp(`^ +${NODE_OPTIONS} +(REG_SZ|REG_EXPAND_SZ)(?: {4}(.*?))?\\r?$`, "im")
    .exec(r.stdout);
  return m ? { value: m[2] ?? "", type: m[1].toUpperCase() } : null;
}

function write(os: string, key: string, value: string, type: string): string[] {
  if (os === "darwin") {
    return value === ""
      ? ["launchctl", "unsetenv", NODE_OPTIONS]
      : ["launchctl", "setenv", NODE_OPTIONS, value];
  }
  return value === ""
    ? ["reg", "delete", key, "/v", NODE_OPTIONS, "/f"]
    : ["reg", "add", key, "/v", NODE_OPTIONS, "/t", type || "REG_SZ", "/d", value, "/f"];
}

/**
 * The commands that make the stored `NODE_OPTIONS` carry `option` on top of the user's
 * value, or (`option` undefined) carry none of our preload options: nothing when it
 * already does. `os` is `darwin` or `windows`; `key` the registry key on Windows.
 */
export async function osNodeOptionsCalls(
  os: string,
  runner: CommandRunner,
  key: string,
  option: string | undefined,
): Promise<string[][]> {
  const stored = await read(os, runner, key);
  if (stored === null) {
    // A value we cannot read back exactly (another registry type): never overwrite it.
    return [];
  }
  const current = stored === "unset" ? "" : stored.value;
  const type = stored === "unset" ? "" : stored.type;
  const next = option === undefined
    ? removePreloadOptions(current)
    : appendNodeOption(current, option);
  return next === current ? [] : [write(os, key, next, type)];
}
