import type { CommandRunner } from "./command_runner.ts";
import type { FileDeps } from "./file_deps.ts";
import {
  createSetupReport,
  type LoginEnvironment,
  type SetupReport,
} from "./machine_interfaces.ts";
import { NODE_OPTIONS } from "./node_options.ts";
import { PROXY_ENV_NAMES } from "./proxy_env.ts";
import { applyRcBlock, removeRcBlock } from "./rc_block.ts";
import { renderEnvironmentD } from "./render_environment_d.ts";
import { renderShellRcBlock, type Shell } from "./render_shell_rc_block.ts";
import {
  allRcCandidates,
  ensureDir,
  environmentDPath,
  fishConfPath,
  type LoginFileLayout,
  parentDir,
  rcTargets,
  shellName,
} from "./_login_files.ts";
import { joinPath } from "./_path.ts";
import { osNodeOptionsCalls } from "./_os_node_options.ts";

export interface LoginEnvironmentOptions {
  /** `Deno.build.os`: `linux`, `darwin`, `windows` (anything else: rc files only). */
  os: string;
  runner: CommandRunner;
  files: FileDeps;
  userHome: string;
  /** `$SHELL`: its startup file is created when missing (see `rcTargets`). */
  loginShell?: string;
  /** Exactly these shells count as used (their files are created); overrides `loginShell`. */
  shells?: readonly Shell[];
  /** `$XDG_CONFIG_HOME`; default `<userHome>/.config`. */
  configHome?: string;
}

/** The registry key `reg` writes the user's persistent environment to. */
export const WINDOWS_ENV_KEY = "HKCU\\Environment";

/** A proxy URL pointing at a loopback edge: how `present` recognises our variables. */
const OUR_PROXY = /^http:\/\/([^@/\s]*@)?127\.0\.0\.1:\d+\/?$/;

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Apps mode's login environment. Linux and macOS: a marked block in the shells' startup
 * files (`rcTargets` decides which), Linux also `environment.d` (the systemd user manager
 * hands it to graphical sessions and user services from the next login), macOS also
 * `launchctl setenv` (apps started from Dock/Spotlight, this login session; the `userenv`
 * agent repeats it at each login). Windows: `HKCU\Environment` through `reg add`, which
 * stores the exact value (REG_SZ) and has a matching `reg delete`; `setx` would truncate
 * values at 1024 characters and has no delete. Windows shells (cmd, PowerShell) read the
 * registry, so no rc files there. New processes see the registry values after the next
 * sign-in (or once Explorer re-reads the environment).
 */
export function createLoginEnvironment(opts: LoginEnvironmentOptions): LoginEnvironment {
  const { runner, files, os } = opts;
  const layout: LoginFileLayout = {
    userHome: opts.userHome,
    configHome: opts.configHome ?? joinPath(opts.userHome, ".config"),
  };
  const login = shellName(opts.loginShell);
  const wanted = (shell: Shell) => opts.shells ? opts.shells.includes(shell) : login === shell;
  const envD = environmentDPath(layout);
  const ownFiles = new Set([fishConfPath(layout), envD]);

  /** Writes `text` to `path`, creating missing parents; records what did not exist. */
  async function writeNew(path: string, text: string, created: string[]): Promise<string> {
    const before = await files.readTextFile(path);
    if (before === text) return "already current";
    if (before === null) {
      created.push(...await ensureDir(files, parentDir(path), layout.userHome));
      created.push(path);
    }
    await files.writeFile(path, text);
    return before === null ? "created" : "updated";
  }

  async function applyRc(
    env: Record<string, string>,
    report: ReturnType<typeof createSetupReport>,
    created: string[],
  ): Promise<void> {
    const targets = await rcTargets(layout, files, wanted);
    if (targets.length === 0) {
      report.add({
        action: "shell rc",
        outcome: "skipped",
        detail: `no bash, zsh or fish startup file in ${layout.userHome} and login shell ${
          opts.loginShell ?? "(unset)"
        } is none of them`,
      });
    }
    for (const t of targets) {
      try {
        const block = renderShellRcBlock(env, t.shell);
        const before = await files.readTextFile(t.path);
        const what = await writeNew(t.path, applyRcBlock(before ?? "", block), created);
        report.add({ action: `shell rc ${t.path}`, outcome: "done", detail: `block ${what}` });
      } catch (err) {
        report.add({ action: `shell rc ${t.path}`, outcome: "failed", detail: errorText(err) });
      }
    }
  }

  /** Runs one command per entry; one step for the lot, listing what failed. */
  async function runEach(
    action: string,
    calls: string[][],
    tolerate: (stderr: string) => boolean = () => false,
  ): Promise<{ ok: boolean; detail: string; command?: string }> {
    const failed: string[] = [];
    let command: string | undefined;
    for (const [cmd, ...args] of calls) {
      const r = await runner.run(cmd, args);
      if (r.code !== 0 && !tolerate(r.stderr + r.stdout)) {
        failed.push(`${cmd} ${args.join(" ")}: exit ${r.code} ${r.stderr.trim()}`);
        command ??= [cmd, ...args].join(" ");
      }
    }
    return failed.length === 0
      ? { ok: true, detail: `${action}: ${calls.length} commands` }
      : { ok: false, detail: `${action}: ${failed.join("; ")}`, command };
  }

  const notFound = (text: string) => /unable to find/i.test(text);

  async function applyOsEnv(
    env: Record<string, string>,
    report: ReturnType<typeof createSetupReport>,
  ): Promise<void> {
    const stale = PROXY_ENV_NAMES.filter((n) => !(n in env) && n !== NODE_OPTIONS);
    const set = Object.entries(env).filter(([n]) => n !== NODE_OPTIONS);
    let r: { ok: boolean; detail: string; command?: string };
    let action: string;
    if (os !== "darwin" && os !== "windows") return;
    // The user's NODE_OPTIONS is extended (or, without a preload, cleaned of ours), never set.
    const nodeCalls = await osNodeOptionsCalls(os, runner, WINDOWS_ENV_KEY, env[NODE_OPTIONS]);
    if (os === "darwin") {
      action = "login env (launchctl setenv)";
      r = await runEach(action, [
        ...set.map(([n, v]) => ["launchctl", "setenv", n, v]),
        ...nodeCalls,
        ...stale.map((n) => ["launchctl", "unsetenv", n]),
      ]);
    } else {
      action = `login env (reg add ${WINDOWS_ENV_KEY})`;
      r = await runEach(action, [
        ...set.map((
          [n, v],
        ) => ["reg", "add", WINDOWS_ENV_KEY, "/v", n, "/t", "REG_SZ", "/d", v, "/f"]),
        ...nodeCalls,
        ...stale.map((n) => ["reg", "delete", WINDOWS_ENV_KEY, "/v", n, "/f"]),
      ], notFound);
    }
    report.add({
      action,
      outcome: r.ok ? "done" : "failed",
      detail: r.ok ? `${Object.keys(env).length} variables set` : r.detail,
      ...(r.command === undefined ? {} : { command: r.command }),
    });
  }

  return {
    async apply(env, applyOpts) {
      const report = createSetupReport();
      const created: string[] = [];
      if (os === "windows") {
        // cmd and PowerShell read the registry; there is no rc file to write.
      } else if (applyOpts.shellRc) {
        await applyRc(env, report, created);
      } else {
        report.add({
          action: "shell rc",
          outcome: "skipped",
          detail: "--no-shell-rc: startup files left as they are",
        });
      }
      if (os === "linux") {
        try {
          const what = await writeNew(envD, renderEnvironmentD(env), created);
          report.add({
            action: `environment.d ${envD}`,
            outcome: "done",
            detail: `${what}; applies to sessions and user services started after the next login`,
          });
        } catch (err) {
          report.add({
            action: `environment.d ${envD}`,
            outcome: "failed",
            detail: errorText(err),
          });
        }
      }
      await applyOsEnv(env, report);
      return { ...report.done(), created };
    },

    async remove(created): Promise<SetupReport> {
      const report = createSetupReport();
      const createdSet = new Set(created);
      for (const path of allRcCandidates(layout)) {
        try {
          const text = await files.readTextFile(path);
          if (text === null) continue;
          const rest = removeRcBlock(text);
          if (rest === text) continue;
          if (rest === "" && (createdSet.has(path) || ownFiles.has(path))) {
            await files.removeFile(path);
            report.add({ action: `shell rc ${path}`, outcome: "done", detail: "file deleted" });
          } else {
            await files.writeFile(path, rest);
            report.add({ action: `shell rc ${path}`, outcome: "done", detail: "block removed" });
          }
        } catch (err) {
          report.add({ action: `shell rc ${path}`, outcome: "failed", detail: errorText(err) });
        }
      }
      try {
        if (await files.exists(envD)) {
          await files.removeFile(envD);
          report.add({ action: `environment.d ${envD}`, outcome: "done", detail: "file deleted" });
        }
      } catch (err) {
        report.add({ action: `environment.d ${envD}`, outcome: "failed", detail: errorText(err) });
      }
      // Only directories on the way to our own files, newest first, and only when empty:
      // a wrong `created` list must never cost the user a file.
      const ownDirs = [...ownFiles].flatMap((f) => {
        const dirs: string[] = [];
        for (let d = parentDir(f); d.length > layout.userHome.length; d = parentDir(d)) {
          dirs.push(d);
          if (parentDir(d) === d) break;
        }
        return dirs;
      });
      for (const dir of [...created].reverse().filter((p) => ownDirs.includes(p))) {
        if (!(await files.exists(dir))) continue;
        try {
          await files.removeFile(dir);
          report.add({ action: `directory ${dir}`, outcome: "done", detail: "deleted (was ours)" });
        } catch {
          report.add({
            action: `directory ${dir}`,
            outcome: "skipped",
            detail: "kept: other files are in it now",
          });
        }
      }
      // NODE_OPTIONS keeps the user's own options: only ours are taken out of it.
      const owned = PROXY_ENV_NAMES.filter((n) => n !== NODE_OPTIONS);
      if (os === "darwin") {
        const r = await runEach("login env (launchctl unsetenv)", [
          ...owned.map((n) => ["launchctl", "unsetenv", n]),
          ...await osNodeOptionsCalls(os, runner, WINDOWS_ENV_KEY, undefined),
        ]);
        report.add({
          action: "login env (launchctl unsetenv)",
          outcome: r.ok ? "done" : "failed",
          detail: r.ok
            ? `${owned.length} variables unset, NODE_OPTIONS cleaned of our preload`
            : r.detail,
        });
      } else if (os === "windows") {
        const r = await runEach(
          `login env (reg delete ${WINDOWS_ENV_KEY})`,
          [
            ...owned.map((n) => ["reg", "delete", WINDOWS_ENV_KEY, "/v", n, "/f"]),
            ...await osNodeOptionsCalls(os, runner, WINDOWS_ENV_KEY, undefined),
          ],
          notFound,
        );
        report.add({
          action: `login env (reg delete ${WINDOWS_ENV_KEY})`,
          outcome: r.ok ? "done" : "failed",
          detail: r.ok
            ? `${owned.length} variables removed, NODE_OPTIONS cleaned of our preload`
            : r.detail,
        });
      }
      return report.done();
    },

    async present() {
      const found: string[] = [];
      for (const path of allRcCandidates(layout)) {
        const text = await files.readTextFile(path);
        if (text === null) continue;
        try {
          if (removeRcBlock(text) !== text) found.push(path);
        } catch {
          found.push(path); // a block with a missing end marker is still ours
        }
      }
      if (os === "linux" && await files.exists(envD)) found.push(envD);
      if (os === "darwin") {
        const r = await runner.run("launchctl", ["getenv", "HTTPS_PROXY"]);
        if (r.code === 0 && OUR_PROXY.test(r.stdout.trim())) found.push("launchctl");
      } else if (os === "windows") {
        const r = await runner.run("reg", ["query", WINDOWS_ENV_KEY, "/v", "HTTPS_PROXY"]);
        const value = /HTTPS_PROXY\s+REG_(?:EXPAND_)?SZ\s+(\S+)/i.exec(r.stdout)?.[1] ?? "";
        if (r.code === 0 && OUR_PROXY.test(value)) found.push("registry");
      }
      return found;
    },
  };
}
