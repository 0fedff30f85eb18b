/**
 * A Node without native env-proxy support (Node 20 on this machine), given only the
 * environment apps mode writes (with the preload), is metered end to end: `https.request`
 * and `fetch` through the real edge and daemon to a fake provider, rows tagged with the
 * project that travelled as proxy credentials.
 */
import assert from "node:assert/strict";
import { createFileDeps, nodePreloadPath, proxyEnv, writeNodePreload } from "../setup/mod.ts";
import { startMeter, stopMeter, waitRows } from "./_support/meter.ts";
import { NODE_VERSION as NODE } from "./_support/node_version.ts";

const TESTDATA = new URL("../adapters/testdata/", import.meta.url).pathname;

const CLIENT = String.raw`
const https = require("https");
function post(url, body, headers) {
  return new Promise((resolve) => {
    const req = https.request(url, { method: "POST", headers }, (res) => {
      let text = "";
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve(res.statusCode + " " + text.length));
    });
    req.on("error", (e) => resolve("error " + e.message));
    req.end(body);
  });
}
(async () => {
  const out = {};
  out.https = await post("https://api.anthropic.com/v1/messages", process.env.B_ANTHROPIC, {
    "content-type": "application/json",
    "anthropic-version": "2023-06-01",
    "x-api-key": "sk-ant-test-NODE20-KEY",
  });
  try {
    const r = await fetch("https://api.openai.com/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer sk-test-NODE20" },
      body: process.env.B_OPENAI,
    });
    out.fetch = r.status + " " + (await r.text()).length;
  } catch (e) {
    out.fetch = "error " + ((e.cause && e.cause.message) || e.message);
  }
  console.log(JSON.stringify(out));
})();
`;

Deno.test({
  name: `node ${NODE ?? ""} with the apps-mode environment and the preload is metered through up${
    NODE === null ? " (skipped: node is not installed)" : ""
  }`,
  ignore: NODE === null,
  async fn() {
    const m = await startMeter("hm-node-metered-");
    const { dir, home, ports } = m;
    try {
      const step = await writeNodePreload(createFileDeps(), home);
      assert.equal(step.outcome, "done", step.detail);
      const env = proxyEnv({
        edgePort: ports.edge,
        caPath: `${home}/ca/halton-meter-ca.pem`,
        bundlePath: `${home}/ca/ca-bundle.pem`,
        project: "node20",
        nodePreloadPath: nodePreloadPath(home),
      });
      await Deno.writeTextFile(`${dir}/client.cjs`, CLIENT);
      const r = await new Deno.Command("node", {
        args: [`${dir}/client.cjs`],
        clearEnv: true,
        env: {
          PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
          ...env,
          B_ANTHROPIC: await Deno.readTextFile(`${TESTDATA}anthropic/plain.request.json`),
          B_OPENAI: await Deno.readTextFile(`${TESTDATA}openai_chat/plain.request.json`),
        },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stdout = new TextDecoder().decode(r.stdout);
      assert.equal(r.code, 0, new TextDecoder().decode(r.stderr));
      const out = JSON.parse(stdout);
      assert.match(out.https, /^200 \d+$/, stdout);
      assert.match(out.fetch, /^200 \d+$/, stdout);

      const rows = await waitRows(m, "node20", 2, 10_000);
      assert.deepEqual(rows.map((row) => row.provider).sort(), ["anthropic", "openai"]);
      for (const row of rows) {
        assert.equal(row.project, "node20");
        assert.equal(row.status, 200);
        assert.ok((row.input_tokens as number) > 0, JSON.stringify(row));
      }
    } finally {
      await stopMeter(m);
    }
  },
});
