import { startMain } from "../../tests/_support/role_process.ts";
import type { CleanupScope } from "./cleanup_scope.ts";
import { makeTempDir } from "./make_temp_dir.ts";
import { stopProcess } from "./start_child.ts";

export interface Edge {
  pid: number;
  port: number;
}

/**
 * Starts the real edge role (`deno run main.ts --role edge`) in a temp
 * HALTON_METER_HOME with no daemon, so every CONNECT is a raw tunnel.
 */
export async function startEdge(scope: CleanupScope): Promise<Edge> {
  const home = await makeTempDir(scope, "halton-bench-edge-");
  // A short drain: the bench stops the edge only once its own connections are closed.
  const config = { ports: { edge: 0 }, edge: { drain_timeout_ms: 500 } };
  await Deno.writeTextFile(`${home}/config.json`, JSON.stringify(config));
  const edge = await startMain(["--role", "edge"], home, { timeoutMs: 30_000 });
  scope.defer("edge", async () => {
    await stopProcess(edge.process);
    await edge.stop("SIGKILL"); // already gone: this only drains its output pipes
  });
  return { pid: edge.pid, port: edge.port };
}
