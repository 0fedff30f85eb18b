import type { CleanupScope } from "./cleanup_scope.ts";
import { startChild } from "./start_child.ts";

const SCRIPT = new URL("./source_server.ts", import.meta.url).pathname;

export interface Source {
  pid: number;
  /** Streams the configured byte count on each connection, then closes. */
  bulkPort: number;
  /** Sends one byte on accept, then closes. */
  bannerPort: number;
}

/** Starts source_server.ts as a child process; it is stopped when `scope` closes. */
export async function startSource(scope: CleanupScope, bytes: number): Promise<Source> {
  const child = startChild(scope, "source server", Deno.execPath(), [
    "run",
    "--quiet",
    "--allow-net",
    SCRIPT,
    "--bytes",
    String(bytes),
  ]);
  const m = await child.waitFor(/SOURCE_READY (\{.*\})/, 30_000);
  const ports: unknown = JSON.parse(m[1]);
  if (
    typeof ports !== "object" || ports === null || !("bulk" in ports) || !("banner" in ports) ||
    typeof ports.bulk !== "number" || typeof ports.banner !== "number"
  ) {
    throw new Error(`source server printed an unexpected ready line: ${m[0]}`);
  }
  return { pid: child.pid, bulkPort: ports.bulk, bannerPort: ports.banner };
}
