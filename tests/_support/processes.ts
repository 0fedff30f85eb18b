/**
 * Role processes as black-box tests see them on Linux: liveness from /proc, pids from
 * `<home>/run/<role>.pid`, and every live process started for a HALTON_METER_HOME whether
 * or not a pid file still names it (to prove nothing was orphaned).
 */

/** Whether `pid` runs; a zombie (Z) or dead (X) entry has exited and counts as gone. */
export function pidAlive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) [ZX]/.test(Deno.readTextFileSync(`/proc/${pid}/stat`));
  } catch {
    return false;
  }
}

/** The pid in `<home>/run/<role>.pid`; throws when the file is missing. */
export async function readRolePid(home: string, role: string): Promise<number> {
  return Number((await Deno.readTextFile(`${home}/run/${role}.pid`)).trim());
}

/** The pids of those `roles` that have a pid file (for cleanup: missing files are skipped). */
export async function rolePids(home: string, roles: readonly string[]): Promise<number[]> {
  const pids: number[] = [];
  for (const role of roles) {
    try {
      pids.push(await readRolePid(home, role));
    } catch { /* none */ }
  }
  return pids;
}

/**
 * Live processes whose environment has `HALTON_METER_HOME=<home>`; with `role`, only those
 * started as `--role <role>`.
 */
export function homeProcesses(home: string, role?: string): number[] {
  const found: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      if (role !== undefined) {
        const cmd = Deno.readTextFileSync(`/proc/${e.name}/cmdline`);
        if (!cmd.includes(`--role\0${role}`)) continue;
      }
      const env = Deno.readTextFileSync(`/proc/${e.name}/environ`).split("\0");
      if (env.includes(`HALTON_METER_HOME=${home}`) && pidAlive(Number(e.name))) {
        found.push(Number(e.name));
      }
    } catch { /* gone meanwhile, or not ours to read */ }
  }
  return found;
}
