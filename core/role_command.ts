export type Role = "edge" | "daemon" | "watchdog" | "userenv";

// How to launch a role from a context lives in setup/launch_command.ts (launchCommand).

/** Where the running code lives: what a service entry or `up` runs to start a role. */
export interface LaunchContext {
  /** The executable: the compiled binary itself, or `deno` for a source or bundle run. */
  execPath: string;
  /** `file:` URL or absolute path of the entry module (main.ts or the bundle); ignored when compiled. */
  mainModule: string;
  compiled: boolean;
}

/**
 * The environment variable a launcher script sets to its own path when it runs the bundle
 * (`deno run … halton-meter.js`) in place of the compiled binary: roles are then started
 * through the launcher, as they would be through the binary. Tests use it where `denort`
 * (and so `deno compile`) is not available; nothing sets it in a real install.
 */
export const EXECUTABLE_ENV = "HALTON_METER_EXECUTABLE";

export interface LaunchContextInput {
  /** `import.meta.url` of the entry module (main.ts, or the bundle built from it). */
  entryModule: string;
  /** `Deno.execPath()`. */
  execPath: string;
  /** `Deno.build.standalone`: true inside a `deno compile`d binary. */
  standalone: boolean;
  /** The value of HALTON_METER_EXECUTABLE, if any. */
  launcher?: string;
}

/**
 * The launch context of the running process. Compiled: the binary runs itself. From a
 * checkout or a bundle: `deno run <permissions> <entry module>`, so a bundle copied anywhere
 * starts its roles from where it lies, never from a source tree.
 */
export function launchContextOf(input: LaunchContextInput): LaunchContext {
  if (input.launcher !== undefined && input.launcher !== "") {
    return { execPath: input.launcher, mainModule: input.entryModule, compiled: true };
  }
  return { execPath: input.execPath, mainModule: input.entryModule, compiled: input.standalone };
}

/**
 * The name of the worker that runs process lookups (daemon/attribution). The worker runs the
 * entry module itself, which sees this name and serves lookups instead of starting the CLI:
 * so a bundle or a compiled binary, whose graph holds no separate worker file, has one too.
 */
export const LOOKUP_WORKER_NAME = "halton-meter-lookup";

/**
 * The name of the worker that runs the dashboard's and `/v1/report`'s report queries
 * (daemon/store/serve_reports.ts) on a read connection of its own, off the thread that carries
 * the calls. Started the same way as the lookup worker, on the entry module.
 */
export const REPORT_WORKER_NAME = "halton-meter-report";
