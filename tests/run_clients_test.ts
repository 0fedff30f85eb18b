/**
 * `run` with real clients nobody here wrote, against the fake provider:
 * - `--project` reaches the rows from Python `requests` and Deno's fetch, whatever the name
 *   holds (`@`, `:`, spaces, non-ASCII): the proxy URL used to carry a user name without a
 *   password, which `requests` dropped and Deno refused (it then bypassed the proxy);
 * - the machine's Node 20 (no native env-proxy support) is routed after only `up`: `run`
 *   writes the preload itself, `init --apps` is not needed.
 */
import assert from "node:assert/strict";
import { type Meter, type Row, startMeter, stopMeter, waitRows } from "./_support/meter.ts";
import { spawnMain } from "./_support/role_process.ts";
import { NODE_VERSION as NODE } from "./_support/node_version.ts";

const TESTDATA = new URL("../adapters/testdata/", import.meta.url).pathname;
const BODY = `${TESTDATA}anthropic/plain.request.json`;

/** `main.ts run [--project P] -- <command>`; stdout, stderr and the exit code. */
async function run(m: Meter, project: string | null, command: string[]) {
  const args = ["run", ...(project === null ? [] : ["--project", project]), "--", ...command];
  const out = await spawnMain(args, m.home).output();
  const stdout = new TextDecoder().decode(out.stdout);
  return { code: out.code, stdout, all: `${stdout}\n${new TextDecoder().decode(out.stderr)}` };
}

const PYTHON = String.raw`
import sys, requests
with open(sys.argv[1], "rb") as f:
    body = f.read()
# No proxies= and no verify=: requests takes both from the environment run sets.
r = requests.post("https://api.anthropic.com/v1/messages", data=body, timeout=20, headers={
    "content-type": "application/json", "anthropic-version": "2023-06-01",
    "x-api-key": "sk-ant-test-PYTHON-RUN"})
print(r.status_code)
`;

const DENO = `
const r = await fetch("https://api.anthropic.com/v1/messages", {
  method: "POST",
  headers: {
    "content-type": "application/json",
    "anthropic-version": "2023-06-01",
    "x-api-key": "sk-ant-test-DENO-RUN",
  },
  body: await Deno.readTextFile(${JSON.stringify(BODY)}),
});
await r.body?.cancel();
console.log(r.status);
`;

function assertModelRow(row: Row | undefined, project: string, client: string | null) {
  assert.ok(row, `no row from ${client}`);
  assert.equal(row.project, project, JSON.stringify(row));
  assert.equal(row.project_source, "proxy_auth");
  assert.equal(row.client, client);
  assert.equal(row.endpoint, "messages");
  assert.equal(row.status, 200);
  assert.equal(row.request_model, "claude-sonnet-4-5-20250929");
  assert.ok((row.input_tokens as number) > 0, JSON.stringify(row));
}

// A plain name, and one with everything a URL's user part cannot hold as it is.
const PROJECTS = ["X", "billing: café@eu/日本 #2"];

Deno.test("run --project: Python requests and Deno fetch land on rows with the project", async (t) => {
  const m = await startMeter("hm-run-clients-");
  try {
    for (const project of PROJECTS) {
      await t.step(`Python requests, project ${JSON.stringify(project)}`, async () => {
        const r = await run(m, project, ["python3", "-c", PYTHON, BODY]);
        assert.equal(r.code, 0, r.all);
        assert.equal(r.stdout, "200\n", r.all);
        const [row] = await waitRows(m, project);
        assertModelRow(row, project, "python-requests");
      });
      await t.step(`Deno fetch, project ${JSON.stringify(project)}`, async () => {
        // Deno takes HTTPS_PROXY and DENO_CERT (the combined bundle) from the environment.
        const r = await run(m, project, [Deno.execPath(), "eval", DENO]);
        assert.equal(r.code, 0, r.all);
        assert.equal(r.stdout, "200\n", r.all);
        const rows = await waitRows(m, project, 2);
        assert.equal(rows.length, 2, JSON.stringify(rows));
        assertModelRow(rows.find((x) => x.client === "deno")!, project, "deno");
      });
    }
    await t.step("a name the daemon could not record as given is refused up front", async () => {
      for (const bad of [" padded", "tab\there", "a".repeat(129), "日".repeat(120)]) {
        const r = await run(m, bad, ["true"]);
        assert.equal(r.code, 2, r.all);
        assert.match(r.all, /is not a usable project name/);
      }
    });
  } finally {
    await stopMeter(m);
  }
});

const NODE_CLIENT = String.raw`
const https = require("https");
const headers = {
  "content-type": "application/json",
  "anthropic-version": "2023-06-01",
  "x-api-key": "sk-ant-test-NODE-RUN",
};
const body = require("fs").readFileSync(process.argv[1], "utf8");
(async () => {
  const out = {};
  try {
    const r = await fetch("https://api.anthropic.com/v1/messages", { method: "POST", headers, body });
    out.fetch = r.status + " " + (await r.text()).length;
  } catch (e) {
    out.fetch = "error " + ((e.cause && e.cause.message) || e.message);
  }
  out.https = await new Promise((resolve) => {
    const req = https.request("https://api.anthropic.com/v1/messages", { method: "POST", headers }, (res) => {
      let n = 0;
      res.on("data", (c) => (n += c.length));
      res.on("end", () => resolve(res.statusCode + " " + n));
    });
    req.on("error", (e) => resolve("error " + e.message));
    req.end(body);
  });
  console.log(JSON.stringify(out));
})();
`;

Deno.test({
  name: `run routes node ${NODE ?? ""} (fetch and https.request) after only up${
    NODE === null ? " (skipped: node is not installed)" : ""
  }`,
  ignore: NODE === null,
  async fn() {
    const m = await startMeter("hm-run-node-");
    try {
      const r = await run(m, "node-run", ["node", "-e", NODE_CLIENT, BODY]);
      assert.equal(r.code, 0, r.all);
      const out = JSON.parse(r.stdout);
      assert.match(out.fetch, /^200 \d+$/, r.all);
      assert.match(out.https, /^200 \d+$/, r.all);
      const rows = await waitRows(m, "node-run", 2);
      assert.equal(rows.length, 2, JSON.stringify(rows));
      // fetch (undici) says `node`; https.request sends no User-Agent at all.
      const byClient = new Map(rows.map((row) => [row.client, row]));
      assertModelRow(byClient.get("undici")!, "node-run", "undici");
      assertModelRow(byClient.get(null)!, "node-run", null);
    } finally {
      await stopMeter(m);
    }
  },
});
