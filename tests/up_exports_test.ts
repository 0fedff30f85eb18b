/**
 * The environment `up` prints is complete: pasted into another shell, it sets everything
 * `run` would (the Node preload and NODE_USE_ENV_PROXY included), and the machine's Node 20
 * (no native env-proxy support) is then metered, with nothing but `up` having run.
 */
import assert from "node:assert/strict";
import { startMeter, stopMeter, waitRows } from "./_support/meter.ts";
import { NODE_VERSION as NODE } from "./_support/node_version.ts";
import { PROXY_ENV_NAMES } from "../setup/mod.ts";

const BODY = new URL("../adapters/testdata/anthropic/plain.request.json", import.meta.url).pathname;

const NODE_CLIENT = String.raw`
const https = require("https");
const headers = {
  "content-type": "application/json",
  "anthropic-version": "2023-06-01",
  "x-api-key": "sk-ant-test-NODE-UP",
};
const body = require("fs").readFileSync(process.argv[1], "utf8");
(async () => {
  const out = {};
  try {
    const r = await fetch("https://api.anthropic.com/v1/messages", { method: "POST", headers, body });
    out.fetch = r.status;
    await r.text();
  } catch (e) {
    out.fetch = "error " + ((e.cause && e.cause.message) || e.message);
  }
  out.https = await new Promise((resolve) => {
    const req = https.request("https://api.anthropic.com/v1/messages", { method: "POST", headers }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode));
    });
    req.on("error", (e) => resolve("error " + e.message));
    req.end(body);
  });
  console.log(JSON.stringify(out));
})();
`;

Deno.test({
  name: `up prints the whole environment; pasted into bash, node ${NODE ?? ""} is metered${
    NODE === null ? " (skipped: node is not installed)" : ""
  }`,
  ignore: NODE === null,
  async fn() {
    const m = await startMeter("hm-up-exports-");
    try {
      const banner = m.up.stdout();
      const start = banner.indexOf("Use it from another shell");
      assert.ok(start >= 0, banner);
      // The indented lines after that heading (a role's own output would not be indented).
      const exports = banner.slice(banner.indexOf("\n", start) + 1).split("\n")
        .filter((line) => line.startsWith("  ")).join("\n");
      // The pasted lines, then the project as a user would tag a shell, then the client.
      // The user's own NODE_OPTIONS stays, with the preload after it.
      const script =
        `${exports}\nexport HTTPS_PROXY="http://node-up:x@127.0.0.1:${m.ports.edge}" ` +
        `https_proxy="http://node-up:x@127.0.0.1:${m.ports.edge}"\n` +
        `env > "${m.dir}/env.txt"\nexec node -e "$CLIENT" "${BODY}"\n`;
      const out = await new Deno.Command("bash", {
        args: ["-c", script],
        clearEnv: true,
        env: {
          PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
          HOME: m.dir,
          CLIENT: NODE_CLIENT,
          NODE_OPTIONS: "--max-old-space-size=512",
        },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stdout = new TextDecoder().decode(out.stdout);
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
      assert.deepEqual(JSON.parse(stdout), { fetch: 200, https: 200 }, stdout);

      const env = Object.fromEntries(
        (await Deno.readTextFile(`${m.dir}/env.txt`)).split("\n").map((l) => {
          const eq = l.indexOf("=");
          return [l.slice(0, eq), l.slice(eq + 1)];
        }),
      );
      for (const name of PROXY_ENV_NAMES) assert.ok(name in env, `${name} is not exported`);
      assert.equal(env.NODE_USE_ENV_PROXY, "1");
      assert.equal(
        env.NODE_OPTIONS,
        `--max-old-space-size=512 --require ${m.home}/node/proxy-preload.cjs`,
      );

      const rows = await waitRows(m, "node-up", 2);
      assert.equal(rows.length, 2, JSON.stringify(rows));
      for (const row of rows) {
        assert.equal(row.status, 200);
        assert.equal(row.project_source, "proxy_auth");
        assert.ok((row.input_tokens as number) > 0, JSON.stringify(row));
      }
    } finally {
      await stopMeter(m);
    }
  },
});
