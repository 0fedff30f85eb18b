import { spawn } from "node:child_process";
import { closeSync, fchmodSync, openSync } from "node:fs";
import { dirname } from "node:path";
import process from "node:process";
import { makeLogsPrivate } from "../core/mod.ts";

export interface DetachedCommand {
  program: string;
  args: string[];
  env: Record<string, string>;
  /** Appended to (mode 0600); the parent directory must exist. */
  stdoutPath: string;
  stderrPath: string;
}

/** Process operations for the direct backend; tests pass fakes. */
export interface ProcessDeps {
  /** Starts `cmd` in its own session, detached from this process; resolves to its pid. */
  spawnDetached(cmd: DetachedCommand): Promise<number>;
  isAlive(pid: number): boolean;
  kill(pid: number, signal: "SIGTERM" | "SIGKILL"): void;
  sleep(ms: number): Promise<void>;
}

/** Real process operations, through `node:child_process` (Deno.Command cannot redirect to a file). */
export function createProcessDeps(): ProcessDeps {
  return {
    spawnDetached(cmd) {
      // Private like the roles' own logs: the directory 0700, every log in it 0600 (files an
      // older version left 0644 included), and these two created 0600.
      makeLogsPrivate(dirname(cmd.stdoutPath));
      const out = openSync(cmd.stdoutPath, "a", 0o600);
      const err = openSync(cmd.stderrPath, "a", 0o600);
      try {
        if (process.platform !== "win32") {
          fchmodSync(out, 0o600);
          fchmodSync(err, 0o600);
        }
        // The child inherits this environment plus the role's variables, like a login session.
        const child = spawn(cmd.program, cmd.args, {
          detached: true,
          stdio: ["ignore", out, err],
          env: { ...process.env, ...cmd.env },
          windowsHide: true,
        });
        return new Promise((resolve, reject) => {
          child.once(
            "error",
            (e) => reject(new Error(`Cannot start ${cmd.program}: ${e.message}`, { cause: e })),
          );
          child.once("spawn", () => {
            child.unref();
            if (child.pid === undefined) {
              reject(new Error(`Cannot start ${cmd.program}: no pid was assigned`));
            } else resolve(child.pid);
          });
        });
      } finally {
        closeSync(out);
        closeSync(err);
      }
    },
    isAlive(pid) {
      try {
        process.kill(pid, 0);
        return true;
      } catch (err) {
        // EPERM: the pid exists but belongs to someone else.
        return (err as { code?: unknown }).code === "EPERM";
      }
    },
    kill(pid, signal) {
      try {
        process.kill(pid, signal);
      } catch (err) {
        if ((err as { code?: unknown }).code === "ESRCH") return;
        throw new Error(`Cannot send ${signal} to pid ${pid}: ${String(err)}`, { cause: err });
      }
    },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}
