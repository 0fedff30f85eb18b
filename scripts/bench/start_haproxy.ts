import type { CleanupScope } from "./cleanup_scope.ts";
import { renderHaproxyConfig } from "./haproxy_config.ts";
import { makeTempDir } from "./make_temp_dir.ts";
import { startChild } from "./start_child.ts";

export interface Haproxy {
  pid: number;
  bulkPort: number;
  bannerPort: number;
  config: string;
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Ready once a connection through the banner frontend gets the source's banner byte. */
async function bannerThrough(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    try {
      return ((await conn.read(new Uint8Array(16))) ?? 0) > 0;
    } finally {
      conn.close();
    }
  } catch {
    return false;
  }
}

/**
 * Runs `haproxy -f <cfg> -db` (foreground) in front of the source's two ports;
 * the process and its config dir go away when `scope` closes.
 */
export async function startHaproxy(
  scope: CleanupScope,
  opts: { binary: string; bulkTarget: number; bannerTarget: number; threads: number },
): Promise<Haproxy> {
  const dir = await makeTempDir(scope, "halton-bench-haproxy-");
  const bulkPort = freePort();
  const bannerPort = freePort();
  const config = renderHaproxyConfig({
    threads: opts.threads,
    routes: [
      { name: "bulk", listen: bulkPort, target: opts.bulkTarget },
      { name: "banner", listen: bannerPort, target: opts.bannerTarget },
    ],
  });
  const cfgPath = `${dir}/haproxy.cfg`;
  await Deno.writeTextFile(cfgPath, config);
  const child = startChild(scope, "haproxy", opts.binary, ["-f", cfgPath, "-db"]);
  let exited = false;
  child.status.then(() => (exited = true));
  const deadline = performance.now() + 10_000;
  while (!exited && performance.now() < deadline) {
    if (await bannerThrough(bannerPort)) return { pid: child.pid, bulkPort, bannerPort, config };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(
    `haproxy did not start ${
      exited ? "(it exited)" : "within 10 s"
    } with ${cfgPath}:\n${child.output()}`,
  );
}
