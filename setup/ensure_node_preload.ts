import { ensureStateFile, type StateFileFs } from "./ensure_state_file.ts";
import { NODE_PRELOAD_SOURCE, nodePreloadPath } from "./node_preload.ts";
import { joinPath } from "./_path.ts";

/**
 * Writes the Node preload into the state directory, or refreshes it when this build's text
 * differs (an upgrade), atomically; returns its path. `run` and `up` call it, so any Node
 * they route needs no `init --apps`. The text is a string in the module graph, so this
 * works from a compiled binary too. Throws with the path when it cannot be written.
 */
export async function ensureNodePreload(home: string, fs?: StateFileFs): Promise<string> {
  await ensureStateFile(joinPath(home, "node"), "proxy-preload.cjs", NODE_PRELOAD_SOURCE, {
    fs,
  });
  return nodePreloadPath(home);
}
