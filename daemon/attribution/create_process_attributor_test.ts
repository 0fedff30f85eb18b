import assert from "node:assert/strict";
import type { ClientConnection } from "../mitm/mod.ts";
import {
  createProcessAttributor,
  type ProcessAttributorDeps,
  type ProcessLookup,
} from "./create_process_attributor.ts";

const conn = (port: number, serverPort = 8081): ClientConnection => ({
  client: { port, serverPort },
});
const ACME = { project: "acme-widgets", source: "process_cwd" } as const;

function setup(lookup: ProcessLookup, over: Partial<ProcessAttributorDeps> = {}) {
  const logs: string[] = [];
  const asked: Array<{ port: number; ownPids: readonly number[] }> = [];
  let clock = 0;
  const attributor = createProcessAttributor({
    log: { log: (level, message) => logs.push(`${level} ${message}`) },
    now: () => clock,
    ownPids: () => [1, 2],
    lookup: (client, ctx) => {
      asked.push({ port: client.port, ownPids: ctx.ownPids });
      return lookup(client, ctx);
    },
    ...over,
  });
  return { attributor, logs, asked, tick: (ms: number) => clock += ms };
}

Deno.test("process attributor: one lookup per connection object, never per request", async () => {
  const s = setup(() => Promise.resolve(ACME));
  const c = conn(50001);
  assert.equal(s.attributor.known(c), undefined, "not looked up yet");
  const first = s.attributor.projectFor(c);
  assert.equal(s.attributor.projectFor(c), first);
  assert.deepEqual(await first, ACME);
  assert.deepEqual(s.attributor.known(c), ACME, "known once the lookup finished");
  assert.deepEqual(await s.attributor.projectFor(conn(50001)), ACME, "a new connection object");
  assert.deepEqual(s.asked, [
    { port: 50001, ownPids: [1, 2] },
    { port: 50001, ownPids: [1, 2] },
  ]);
  // Without the client's ports there is nothing to ask.
  assert.equal(await s.attributor.projectFor({ client: null }), null);
  assert.equal(s.asked.length, 2);
  assert.deepEqual(s.logs, []);
});

Deno.test("process attributor: a slow lookup resolves null in time, is aborted, and logged once", async () => {
  const signals: AbortSignal[] = [];
  const s = setup((_client, ctx) => {
    signals.push(ctx.signal);
    return new Promise(() => {});
  }, { timeoutMs: 30 });
  const t0 = performance.now();
  const results = await Promise.all([
    s.attributor.projectFor(conn(50001)),
    s.attributor.projectFor(conn(50002)),
  ]);
  assert.deepEqual(results, [null, null]);
  assert.ok(performance.now() - t0 < 1000);
  assert.ok(signals.every((x) => x.aborted), "the lookups were told to stop");
  assert.equal(s.logs.length, 1, s.logs.join("\n"));
  assert.match(s.logs[0], /^warn process attribution: no answer within 30 ms/);
  // A minute later the next one is logged again.
  s.tick(60_000);
  assert.equal(await s.attributor.projectFor(conn(50003)), null);
  assert.equal(s.logs.length, 2);
});

Deno.test("process attributor: a failing or throwing lookup is contained and said once a minute", async () => {
  const s = setup(() => Promise.reject(new Error("Deno reads /proc only with --allow-all")));
  assert.equal(await s.attributor.projectFor(conn(50001)), null);
  assert.equal(await s.attributor.projectFor(conn(50002)), null);
  assert.equal(s.logs.length, 1);
  assert.match(s.logs[0], /process attribution failed/);
  const t = setup(() => {
    throw new Error("sync");
  });
  assert.equal(await t.attributor.projectFor(conn(50001)), null);
  assert.equal(t.logs.length, 1);
});

Deno.test("process attributor: after close, lookups resolve null", async () => {
  const s = setup(() => Promise.resolve(ACME));
  s.attributor.close();
  assert.equal(await s.attributor.projectFor(conn(50001)), null);
  assert.equal(s.asked.length, 0);
});

Deno.test({
  name:
    "process attributor (real /proc, lookup worker): a client started in a git repository is named after it",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "hm-attr-" });
    const repo = `${dir}/acme-widgets`;
    await Deno.mkdir(`${repo}/src/deep`, { recursive: true });
    const git = await new Deno.Command("git", { args: ["init", "-q", repo] }).output();
    assert.equal(git.code, 0, new TextDecoder().decode(git.stderr));
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    // The client opens two connections and holds them until we close ours.
    const client = new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        `const a = await Deno.connect({ hostname: "127.0.0.1", port: ${listener.addr.port} });
         const b = await Deno.connect({ hostname: "127.0.0.1", port: ${listener.addr.port} });
         await a.read(new Uint8Array(1)); await b.read(new Uint8Array(1));`,
      ],
      cwd: `${repo}/src/deep`,
      stdout: "null",
      stderr: "null",
    }).spawn();
    const accepted: Deno.Conn[] = [];
    const logs: string[] = [];
    const attributor = createProcessAttributor({
      log: { log: (_l, m) => logs.push(m) },
      timeoutMs: 10_000,
    });
    try {
      for (let i = 0; i < 2; i++) accepted.push(await listener.accept());
      const port = (c: Deno.Conn) => (c.remoteAddr as Deno.NetAddr).port;
      for (const c of accepted) {
        const found = await attributor.projectFor({
          client: { port: port(c), serverPort: listener.addr.port },
        });
        assert.deepEqual(found, ACME);
      }
      // The server's side of the same connection is ours: no project.
      const ours = { client: { port: listener.addr.port, serverPort: port(accepted[0]) } };
      assert.equal(await attributor.projectFor(ours), null);
      assert.deepEqual(logs, []);
    } finally {
      attributor.close();
      for (const c of accepted) c.close();
      listener.close();
      await client.status;
      await Deno.remove(dir, { recursive: true });
    }
  },
});
