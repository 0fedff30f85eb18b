import type { CommandRunner } from "./command_runner.ts";
import { BACKEND_NAMES, type BackendName } from "./service_backend.ts";

export interface ChooseBackendInput {
  /** `Deno.build.os`. */
  os: string;
  /** Result of `probeSystemdUser`; only consulted on Linux. */
  hasSystemdUser: boolean;
  /** The `--supervisor` value, if given. */
  override?: string;
}

export type BackendChoice =
  | { ok: true; name: BackendName; reason: string }
  | { ok: false; error: string };

const NATIVE: Record<string, BackendName> = { darwin: "launchd", windows: "schtasks" };

/** Picks the service manager: launchd on macOS, Task Scheduler on Windows, systemd --user where it answers, else direct. */
export function chooseBackend(input: ChooseBackendInput): BackendChoice {
  if (input.override !== undefined) {
    const name = BACKEND_NAMES.find((n) => n === input.override);
    if (name === undefined) {
      return {
        ok: false,
        error: `Unknown supervisor "${input.override}"; use one of ${BACKEND_NAMES.join(", ")}`,
      };
    }
    const fits = name === "direct" || NATIVE[input.os] === name ||
      (name === "systemd" && input.os === "linux");
    if (!fits) {
      return {
        ok: false,
        error: `Supervisor "${name}" is not available on ${input.os}; use direct`,
      };
    }
    if (name === "systemd" && !input.hasSystemdUser) {
      return {
        ok: false,
        error:
          `Supervisor "systemd" requested but "systemctl --user" does not answer (no user manager or session bus); use --supervisor direct, or log in through a session that starts systemd --user`,
      };
    }
    return { ok: true, name, reason: "--supervisor" };
  }
  const native = NATIVE[input.os];
  if (native !== undefined) return { ok: true, name: native, reason: `${input.os} default` };
  if (input.os === "linux" && input.hasSystemdUser) {
    return { ok: true, name: "systemd", reason: "systemctl --user answers" };
  }
  return {
    ok: true,
    name: "direct",
    reason: input.os === "linux" ? "no systemd user manager" : `no service manager for ${input.os}`,
  };
}

/** Whether a systemd user manager answers (false in most containers and CI jobs). */
export async function probeSystemdUser(runner: CommandRunner): Promise<boolean> {
  const result = await runner.run("systemctl", ["--user", "show-environment"]);
  return result.code === 0;
}
