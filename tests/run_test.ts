import assert from "node:assert/strict";
import { makeTestCa } from "./_support/test_ca.ts";
import { spawnMain, startMain } from "./_support/role_process.ts";
import { NODE_PRELOAD_SOURCE, nodePreloadOption } from "../setup/mod.ts";

async function output(args: string[], home: string, env: Record<string, string> = {}) {
  const out = await spawnMain(args, home, env).output();
  return {
    code: out.code,
    signal: out.signal,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

Deno.test("run meters a command's calls under its project, writes and appends the Node preload; exit codes pass through", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hm-run-" });
  const home = `${dir}/home`;
  await Deno.mkdir(home);
  const ca = await makeTestCa(`${dir}/ca`);
  const upstream = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: ca.certPem,
    key: ca.keyPem,
    onListen() {},
  }, () => Response.json({ data: [] }));
  await Deno.writeTextFile(
    `${home}/config.json`,
    JSON.stringify({
      ports: { edge: 0, internal: 0, api: 0 },
      upstream: {
        resolve: { "api.anthropic.com:443": `127.0.0.1:${upstream.addr.port}` },
        ca_file: ca.caFile,
      },
    }),
  );
  const up = await startMain(["up"], home, { ready: /NODE_EXTRA_CA_CERTS/ });
  try {
    // curl takes the proxy and the combined bundle from the environment `run` sets.
    const r = await output(
      [
        "run",
        "--project",
        "demo-app",
        "--",
        "curl",
        "-sS",
        "--fail",
        "https://api.anthropic.com/v1/models",
      ],
      home,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '{"data":[]}');
    let rows: Array<{ key: string; calls: number }> = [];
    for (let i = 0; i < 50 && !rows.some((x) => x.key === "demo-app"); i++) {
      await new Promise((res) => setTimeout(res, 100));
      // GET /v1/models is not a model call: `usage` counts it with --all.
      const u = await output(["usage", "--json", "--all", "--group-by", "project"], home);
      rows = JSON.parse(u.stdout).rows;
    }
    assert.deepEqual(rows.map((x) => [x.key, x.calls]), [["demo-app", 1]]);

    // run wrote the Node preload itself (no init needed) and appends it to the user's
    // NODE_OPTIONS, never replacing it, and not again when the inherited value (an apps
    // shell, a nested run) has it. A stale preload (an older build's) is refreshed.
    assert.equal(await Deno.readTextFile(`${home}/node/proxy-preload.cjs`), NODE_PRELOAD_SOURCE);
    await Deno.writeTextFile(`${home}/node/proxy-preload.cjs`, "// older build\n");
    const ours = nodePreloadOption(`${home}/node/proxy-preload.cjs`);
    const show = ["run", "--", "sh", "-c", 'printf "[%s]" "$NODE_OPTIONS"'];
    const user = "--max-old-space-size=4096";
    assert.equal((await output(show, home, { NODE_OPTIONS: user })).stdout, `[${user} ${ours}]`);
    const nested = await output(show, home, { NODE_OPTIONS: `${user} ${ours}` });
    assert.equal(nested.stdout, `[${user} ${ours}]`);
    assert.equal((await output(show, home, { NODE_OPTIONS: "" })).stdout, `[${ours}]`);
    assert.equal(await Deno.readTextFile(`${home}/node/proxy-preload.cjs`), NODE_PRELOAD_SOURCE);

    const exit = await output(["run", "--", "sh", "-c", "exit 7"], home);
    assert.equal(exit.code, 7);
    const killed = await output(["run", "--", "sh", "-c", "kill -TERM $$"], home);
    assert.equal(killed.code, 143);
    const missing = await output(["run", "--", "no-such-command-halton"], home);
    assert.equal(missing.code, 127);
    assert.match(missing.stderr, /cannot start "no-such-command-halton"/);
  } finally {
    await up.stop();
    await upstream.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("run without a running edge still runs the command, unmetered, and says so", async () => {
  const home = await Deno.makeTempDir({ prefix: "hm-run-" });
  try {
    const r = await output(["run", "--", "sh", "-c", 'echo "[$HTTPS_PROXY]"'], home);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, "[]\n");
    assert.match(r.stderr, /edge is not running; running "sh" unmetered/);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
