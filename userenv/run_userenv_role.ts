import { createFileLogger, homePaths, readEffectivePorts } from "../core/mod.ts";
import { probeDaemonHealth } from "../edge/mod.ts";
import {
  type CommandRunner,
  createCommandRunner,
  createFileDeps,
  createLoginEnvironment,
  type FileDeps,
} from "../setup/mod.ts";
import { runUserenv, type UserenvDeps } from "./run_userenv.ts";

/** `main.ts --role userenv`: the real files, commands and `logs/userenv.log`. */
export async function runUserenvRole(opts: { home: string; echoLogs: boolean }): Promise<number> {
  const files = createFileDeps();
  const runner = createCommandRunner();
  const os = Deno.build.os;
  return await runUserenv({
    home: opts.home,
    deps: {
      files,
      os,
      log: createFileLogger({
        path: `${homePaths(opts.home).logs}/userenv.log`,
        echo: opts.echoLogs,
      }),
      now: () => new Date(),
      loginEnvFor: loginEnvForTarget(os, runner, files),
      edgePort: () => liveEdgePort(opts.home),
    },
  });
}

/** The login environment of the user `init` recorded (their home, shell, config dir). */
export function loginEnvForTarget(
  os: string,
  runner: CommandRunner,
  files: FileDeps,
): UserenvDeps["loginEnvFor"] {
  return (target) =>
    createLoginEnvironment({
      os,
      runner,
      files,
      userHome: target.userHome,
      loginShell: target.loginShell,
      configHome: target.configHome,
    });
}

/** The edge port in `effective-ports.json` when an edge answers `/health` there, else null. */
export async function liveEdgePort(home: string): Promise<number | null> {
  const port = readEffectivePorts(homePaths(home).effectivePorts).edge;
  if (port === undefined) return null;
  return (await probeDaemonHealth(port)) === "healthy" ? port : null;
}
