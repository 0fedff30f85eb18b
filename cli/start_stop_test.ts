import assert from "node:assert/strict";
import type { BackendName, Role, ServiceBackend } from "../setup/mod.ts";
import { runStart } from "./start_stop.ts";

function recordingBackend(name: BackendName, started: Role[][]): ServiceBackend {
  const ok = { ok: true, steps: [] };
  return {
    name,
    install: () => Promise.resolve(ok),
    start: (roles) => (started.push([...roles]), Promise.resolve(ok)),
    stop: () => Promise.resolve(ok),
    uninstall: () => Promise.resolve(ok),
    status: (role) => Promise.resolve({ role, state: "stopped" }),
    entryFile: () => null,
  };
}

async function startWith(name: BackendName, mode: string | null): Promise<Role[]> {
  const home = await Deno.makeTempDir({ prefix: "hm-start-" });
  try {
    if (mode !== null) await Deno.writeTextFile(`${home}/install-mode`, `${mode}\n`);
    const started: Role[][] = [];
    await runStart({
      home,
      deps: {
        backend: recordingBackend(name, started),
        isAlive: () => false,
        probeHttp: () => Promise.resolve({ kind: "refused" }),
        sleep: () => Promise.resolve(),
        launch: { execPath: Deno.execPath(), mainModule: "file:///x/main.ts", compiled: false },
      },
      print: () => {},
      printError: () => {},
      readyTimeoutMs: 1,
    });
    return started[0];
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

Deno.test("start with the direct backend runs the userenv one-shot in apps/full mode only", async () => {
  assert.deepEqual(await startWith("direct", "apps"), ["edge", "daemon", "watchdog", "userenv"]);
  assert.deepEqual(await startWith("direct", "full"), ["edge", "daemon", "watchdog", "userenv"]);
  assert.deepEqual(await startWith("direct", "env-only"), ["edge", "daemon", "watchdog"]);
  assert.deepEqual(await startWith("direct", null), ["edge", "daemon", "watchdog"]);
  // A service manager runs it at login itself.
  assert.deepEqual(await startWith("systemd", "apps"), ["edge", "daemon", "watchdog"]);
});
