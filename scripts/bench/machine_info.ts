import { catFiles } from "./process_cpu.ts";

export interface MachineInfo {
  nproc: number;
  kernel: string;
  cpuModel: string;
  loadAverage: string;
  deno: string;
  v8: string;
}

function firstMatch(text: string, re: RegExp): string | undefined {
  return re.exec(text)?.[1]?.trim();
}

/** Describes the machine for the results header; missing details read "unknown". */
export async function readMachineInfo(): Promise<MachineInfo> {
  const cpuinfo = (await catFiles(["/proc/cpuinfo"])) ?? "";
  let nproc = navigator.hardwareConcurrency;
  try {
    const out = await new Deno.Command("nproc", { stdout: "piped", stderr: "null" }).output();
    nproc = Number(new TextDecoder().decode(out.stdout).trim()) || nproc;
  } catch { /* no coreutils: keep the runtime's count */ }
  let load = "unknown";
  try {
    load = Deno.loadavg().map((x) => x.toFixed(2)).join(" ");
  } catch { /* not permitted */ }
  return {
    nproc,
    kernel: `${Deno.build.os} ${Deno.osRelease()}`,
    cpuModel: firstMatch(cpuinfo, /^model name\s*:\s*(.+)$/m) ??
      firstMatch(cpuinfo, /^Model\s*:\s*(.+)$/m) ?? "unknown",
    loadAverage: load,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
  };
}
