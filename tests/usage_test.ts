import assert from "node:assert/strict";
import { type CallRecord, emptyUsage } from "../core/mod.ts";
import { openStore } from "../daemon/store/mod.ts";
import { spawnMain } from "./_support/role_process.ts";

function record(id: string, model: string, input: number, output: number, cost: number | null) {
  const now = Date.now();
  const r: CallRecord = {
    id,
    startedAt: now - 1000,
    endedAt: now,
    durationMs: 1000,
    ttfbMs: 100,
    provider: "anthropic",
    host: "api.anthropic.com",
    method: "POST",
    path: "/v1/messages",
    endpoint: "messages",
    requestModel: model,
    stream: false,
    status: 200,
    usage: {
      ...emptyUsage(),
      inputTokens: input,
      outputTokens: output,
      responseModel: model,
      completeness: "complete",
    },
    cost: {
      totalUsd: cost,
      inputUsd: null,
      cacheReadUsd: null,
      cacheWriteUsd: null,
      outputUsd: null,
      unpricedReason: cost === null ? "unpriced" : null,
      priceVersion: "test",
    },
    project: "p",
    projectSource: "proxy_auth",
    client: "curl",
    apiKeyFingerprint: null,
    providerRequestId: null,
    rateLimit: null,
    bytesUp: 1,
    bytesDown: 1,
    selfTest: false,
  };
  return r;
}

async function run(home: string, args: string[]) {
  const out = await spawnMain(args, home).output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

Deno.test("usage prints today's totals by model, as a table and as JSON", async () => {
  const home = await Deno.makeTempDir({ prefix: "hm-usage-" });
  try {
    const store = openStore({ path: `${home}/db.sqlite`, spoolPath: `${home}/spool.jsonl` });
    store.enqueue(record("a", "claude-sonnet-4-5", 1000, 200, 0.006));
    store.enqueue(record("b", "claude-sonnet-4-5", 3000, 100, 0.0105));
    store.enqueue(record("c", "mystery-model", 10, 5, null));
    await store.close();

    const json = await run(home, ["usage", "--json"]);
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout);
    const sonnet = parsed.rows.find((r: { key: string }) => r.key === "claude-sonnet-4-5");
    assert.equal(sonnet.calls, 2);
    assert.equal(sonnet.input_tokens, 4000);
    assert.equal(sonnet.output_tokens, 300);
    assert.ok(Math.abs(sonnet.cost_usd - 0.0165) < 1e-9);
    assert.equal(parsed.totals.calls, 3);
    assert.equal(parsed.totals.unpriced_calls, 1);

    const table = await run(home, ["usage"]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /claude-sonnet-4-5\s*│\s*2\s*│\s*4,000\s*│\s*300/);
    assert.match(table.stdout, /\$0\.017 /); // two significant digits below a dollar
    assert.match(table.stdout, /1 call\(s\) have no price/);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("usage with no database says so; bad options are explained", async () => {
  const home = await Deno.makeTempDir({ prefix: "hm-usage-" });
  try {
    const empty = await run(home, ["usage"]);
    assert.equal(empty.code, 0, empty.stderr);
    assert.match(empty.stdout, /No metered calls, \d{4}-\d{2}-\d{2} 00:00 → now/);
    const bad = await run(home, ["usage", "--since", "yesterdayish"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /cannot read --since "yesterdayish"/);
    const group = await run(home, ["usage", "--group-by", "color"]);
    assert.equal(group.code, 2);
    assert.match(group.stderr, /not one of hour, day, week, month, provider/);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
