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
        now: Date.now,
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

/**
 * A started edge that binds `edgeAfterMs` after `start` returns (a service manager answers
 * before the role has bound), and a daemon healthy at once; the clock moves only in sleep.
 */
async function startWithSlowEdge(edgeAfterMs: number | null) {
  const home = await Deno.makeTempDir({ prefix: "hm-start-edge-" });
  try {
    await Deno.mkdir(`${home}/run`);
    await Deno.writeTextFile(
      `${home}/effective-ports.json`,
      '{"edge":18081,"internal":18090,"api":18765}',
    );
    await Deno.writeTextFile(`${home}/run/edge.pid`, "111\n"); // the edge before the restart
    let clock = 0;
    const out: string[] = [];
    const err: string[] = [];
    const code = await runStart({
      home,
      deps: {
        backend: {
          ...recordingBackend("direct", []),
          start: (roles) => {
            Deno.writeTextFileSync(`${home}/run/daemon.pid`, "222\n");
            Deno.writeTextFileSync(`${home}/run/watchdog.pid`, "333\n");
            return Promise.resolve({
              ok: true,
              steps: roles.map((role) => ({
                role,
                action: "start",
                outcome: "done" as const,
                detail: "spawned",
              })),
            });
          },
        },
        isAlive: (pid) => pid === 222 || pid === 333 || pid === 444,
        probeHttp: (port) => {
          if (port === 18090) {
            return Promise.resolve({ kind: "answered", status: 200, text: '{"pid":222}' });
          }
          if (port === 18081 && edgeAfterMs !== null && clock >= edgeAfterMs) {
            Deno.writeTextFileSync(`${home}/run/edge.pid`, "444\n");
            return Promise.resolve({
              kind: "answered",
              status: 200,
              text: '{"role":"edge","pid":444}',
            });
          }
          return Promise.resolve({ kind: "refused" });
        },
        sleep: (ms) => (clock += ms, Promise.resolve()),
        now: () => clock,
        launch: { execPath: Deno.execPath(), mainModule: "file:///x/main.ts", compiled: false },
      },
      print: (l) => out.push(l),
      printError: (l) => err.push(l),
    });
    return { code, out: out.join("\n"), err: err.join("\n"), clock };
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

Deno.test("start waits for a restarted edge that binds late, and exits 1 when it never answers", async () => {
  const late = await startWithSlowEdge(1_200);
  assert.equal(late.code, 0, late.err);
  assert.match(late.out, /✓ edge started {2}127\.0\.0\.1:18081/);
  assert.doesNotMatch(late.out + late.err, /✗/);

  const never = await startWithSlowEdge(null);
  assert.equal(never.code, 1);
  assert.match(never.err, /✗ edge did not answer on 127\.0\.0\.1:18081 within 15000 ms/);
  assert.match(never.out, /✓ daemon healthy/);
  // Bounded: it gave up at the deadline (then the usual 1.5 s look at the watchdog's log).
  assert.ok(never.clock >= 15_000 && never.clock <= 16_500, String(never.clock));
});
