/** Linux's USER_HZ: the unit of utime/stime in /proc/<pid>/stat (100 on every mainstream build). */
const CLOCK_TICKS = 100;

/** Reads files Deno itself may not: Deno needs --allow-all for /proc, the bench task has --allow-run. */
export async function catFiles(paths: string[]): Promise<string | null> {
  try {
    const out = await new Deno.Command("cat", {
      args: paths,
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).output();
    return new TextDecoder().decode(out.stdout);
  } catch {
    return null;
  }
}

/** Parses /proc/<pid>/stat lines into pid → user+system CPU seconds. */
export function parseProcStat(text: string): Map<number, number> {
  const cpu = new Map<number, number>();
  for (const line of text.split("\n")) {
    const close = line.lastIndexOf(")");
    if (close < 0) continue;
    const pid = Number(line.slice(0, line.indexOf(" ")));
    // The command name (field 2) may contain spaces; the fields after it are fixed.
    const rest = line.slice(close + 2).split(" ");
    const utime = Number(rest[11]);
    const stime = Number(rest[12]);
    if (Number.isInteger(pid) && Number.isFinite(utime) && Number.isFinite(stime)) {
      cpu.set(pid, (utime + stime) / CLOCK_TICKS);
    }
  }
  return cpu;
}

/**
 * User + system CPU seconds used so far by each pid (all its threads). Missing
 * pids are absent: CPU columns are a diagnostic, never a reason to fail.
 */
export async function readProcessCpuSeconds(pids: number[]): Promise<Map<number, number>> {
  const text = await catFiles(pids.map((p) => `/proc/${p}/stat`));
  return text === null ? new Map() : parseProcStat(text);
}
