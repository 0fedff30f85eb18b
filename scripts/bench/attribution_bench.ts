/**
 * `bench attribution`: what finding a connection's process and project costs on Linux, through
 * the daemon's process attributor (lookup worker, /proc), on the machine as it is and with
 * idle filler processes added. Clients are bash processes holding loopback connections
 * (`/dev/tcp`) to a listener here, started in a temporary git repository.
 */
import type { Bench, BenchContext, BenchOutcome } from "./bench_types.ts";
import { readMachineInfo } from "./machine_info.ts";
import { median, percentile } from "./percentile.ts";
import { makeTempDir } from "./make_temp_dir.ts";
import { createProcessAttributor } from "../../daemon/attribution/mod.ts";

const USAGE = `bench attribution options:
  --samples N   lookups per case (default 15)
  --fillers N   idle processes added for the busy run (default 500)
  --fds N       descriptors each filler holds open (default 20)`;

interface Options {
  samples: number;
  fillers: number;
  fds: number;
}

function parseOptions(args: readonly string[]): Options | string {
  const o: Options = { samples: 15, fillers: 500, fds: 20 };
  for (let i = 0; i < args.length; i++) {
    const key = args[i].replace(/^--/, "") as keyof Options;
    if (!(key in o)) return `unknown option ${args[i]}\n${USAGE}`;
    const n = Number(args[++i]);
    if (!Number.isInteger(n) || n < (key === "fillers" ? 0 : 1)) {
      return `${args[i - 1]} needs a whole number, got ${JSON.stringify(args[i])}`;
    }
    o[key] = n;
  }
  return o;
}

interface Row {
  run: string;
  what: string;
  ms: number[];
}

/** Processes and descriptors we can see. */
function countProcesses(): { processes: number; fds: number } {
  let processes = 0;
  let fds = 0;
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    processes++;
    try {
      for (const _ of Deno.readDirSync(`/proc/${e.name}/fd`)) fds++;
    } catch { /* gone or not ours */ }
  }
  return { processes, fds };
}

async function timed<T>(f: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await f();
  return { ms: performance.now() - t, value };
}

async function runBench(ctx: BenchContext, o: Options): Promise<BenchOutcome> {
  if (Deno.build.os !== "linux") {
    return { kind: "usage-error", message: "bench attribution reads /proc: Linux only" };
  }
  const dir = await makeTempDir(ctx.scope, "hm-bench-attr-");
  const repo = `${dir}/acme-widgets`;
  await Deno.mkdir(`${repo}/.git`, { recursive: true });
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  ctx.scope.defer("listener", () => listener.close());
  const serverPort = listener.addr.port;
  const accepted: Deno.Conn[] = [];
  const waiters: Array<() => void> = [];
  void (async () => {
    for await (const c of listener) {
      accepted.push(c);
      waiters.shift()?.();
    }
  })().catch(() => {});
  ctx.scope.defer("connections", () => accepted.forEach((c) => c.close()));
  const nextConn = async () => {
    if (accepted.length === 0) await new Promise<void>((r) => waiters.push(r));
    return accepted.shift()!;
  };
  const children: Deno.ChildProcess[] = [];
  ctx.scope.defer("children", async () => {
    for (const c of children) {
      try {
        c.kill("SIGKILL");
      } catch { /* gone */ }
    }
    await Promise.allSettled(children.map((c) => c.status));
  });
  const spawn = (script: string, cwd = dir) => {
    const c = new Deno.Command("bash", {
      args: ["-c", script],
      cwd,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    children.push(c);
    return c;
  };
  /** A bash client in the repository holding two connections: their client ports. */
  const client = async () => {
    spawn(
      `exec 3<>/dev/tcp/127.0.0.1/${serverPort}; exec 4<>/dev/tcp/127.0.0.1/${serverPort}; exec sleep 600`,
      repo,
    );
    const a = await nextConn();
    const b = await nextConn();
    return [a, b].map((c) => (c.remoteAddr as Deno.NetAddr).port);
  };
  const idle = (n: number, fds: number) => {
    const opens = Array.from({ length: fds }, (_, i) => `${i + 3}</dev/null`).join(" ");
    for (let i = 0; i < n; i++) spawn(`exec ${opens}; exec sleep 600`);
  };
  const conn = (port: number) => ({ client: { port, serverPort } });
  const log = { log: (_l: string, m: string) => ctx.log(`attributor: ${m}`) };
  /** A fresh attributor (no remembered clients), its worker started and warmed. */
  const fresh = async () => {
    // The lookup worker runs the program's entry module, as in the daemon.
    const workerModule = new URL("../../main.ts", import.meta.url);
    const a = createProcessAttributor({ log, timeoutMs: 30_000, workerModule });
    await a.projectFor(conn(1));
    return a;
  };
  const rows: Row[] = [];
  const shapes: string[] = [];

  /** `others` starts the processes newer than the run's old client. */
  const measure = async (run: string, others: () => Promise<void>) => {
    const [oldPort] = await client();
    await others();
    const shape = countProcesses();
    shapes.push(`${run}: ${shape.processes} processes, ${shape.fds} descriptors readable`);
    ctx.log(`${run}: ${shape.processes} processes, ${shape.fds} fds`);
    const add = (what: string) => {
      const row = { run, what, ms: [] as number[] };
      rows.push(row);
      return row.ms;
    };
    const table = add("kernel writes /proc/net/tcp (read alone)");
    const newest = add("cold: new client (newest process, read while the table is written)");
    const again = add("same process, new connection (remembered pid)");
    const cached = add("same connection again (per-connection cache)");
    const old = add("cold: client older than the others (full scan down to it)");
    const none = add("cold: no client process found (full scan of everything)");
    const own = await Deno.connect({ hostname: "127.0.0.1", port: serverPort });
    ctx.scope.defer("own connection", () => own.close());
    await nextConn(); // its server side
    const ownPort = (own.localAddr as Deno.NetAddr).port;
    for (let i = 0; i < o.samples && !ctx.scope.signal.aborted; i++) {
      table.push((await timed(() => Deno.readTextFile("/proc/net/tcp"))).ms);
      const [p1, p2] = await client();
      let a = await fresh();
      const c1 = conn(p1);
      const hit = await timed(() => a.projectFor(c1));
      if (hit.value?.project !== "acme-widgets") throw new Error(`no project: ${hit.value}`);
      newest.push(hit.ms);
      again.push((await timed(() => a.projectFor(conn(p2)))).ms);
      cached.push((await timed(() => a.projectFor(c1))).ms);
      a.close();
      a = await fresh();
      old.push((await timed(() => a.projectFor(conn(oldPort)))).ms);
      a.close();
      a = await fresh();
      none.push((await timed(() => a.projectFor(conn(ownPort)))).ms);
      a.close();
    }
  };

  // The old client must not be among the newest processes.
  await measure("as is", async () => {
    idle(20, 3);
    await new Promise((r) => setTimeout(r, 200));
  });
  if (o.fillers > 0 && !ctx.scope.signal.aborted) {
    await measure(`+${o.fillers} idle`, async () => {
      ctx.log(`starting ${o.fillers} idle processes with ${o.fds} descriptors each`);
      idle(o.fillers, o.fds);
      await new Promise((r) => setTimeout(r, 1000 + o.fillers * 4));
    });
  }
  const machine = await readMachineInfo();
  const f = (x: number) => x < 0.1 ? x.toFixed(3) : x.toFixed(2);
  const report = [
    "## Process attribution (`deno task bench attribution`)",
    "",
    `${ctx.command} — ${machine.cpuModel}, ${machine.nproc} CPUs, ${machine.kernel}, ` +
    `load ${machine.loadAverage}, Deno ${machine.deno}. ${o.samples} lookups per case, ` +
    "each through `createProcessAttributor` (lookup worker, blocking /proc reads); ms from " +
    "`projectFor` to its answer.",
    "",
    ...shapes.map((s) => `- ${s}`),
    "",
    "| run | case | p50 ms | p90 ms | max ms |",
    "| --- | --- | ---: | ---: | ---: |",
    ...rows.map((r) =>
      `| ${r.run} | ${r.what} | ${f(median(r.ms))} | ${f(percentile(r.ms, 90))} | ${
        f(Math.max(...r.ms))
      } |`
    ),
  ].join("\n");
  return { kind: "done", report, allTargetsMet: true };
}

export const attributionBench: Bench = {
  usage: USAGE,
  async run(ctx) {
    const o = parseOptions(ctx.args);
    if (typeof o === "string") return { kind: "usage-error", message: o };
    return await runBench(ctx, o);
  },
};
