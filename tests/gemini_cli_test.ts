/**
 * Gemini CLI (the real CLI, from npm) through `halton-meter run --project` against the fake
 * provider: its model calls (the router's JSON classification, then the streamed answer)
 * are metered with model, tokens, client `gemini-cli` and the project; anything else it asks
 * of generativelanguage.googleapis.com gets an `other` row, never a model call's.
 */
import assert from "node:assert/strict";
import { api, type Row, startMeter, stopMeter, waitRows } from "./_support/meter.ts";
import { loadExchange } from "./_support/fake_provider.ts";
import { realCli, runCliThroughMeter, skipUnless } from "./_support/real_clis.ts";

const gemini = realCli("gemini");

/** `POST /v1beta/models/{model}:generateContent|streamGenerateContent`. */
const MODEL_CALL = /^POST \/v1(?:alpha|beta)?\/models\/[^/:]+:(?:stream)?[gG]enerateContent$/;

/** Settings for a HOME of its own: no usage statistics, telemetry or update checks. */
const SETTINGS = {
  privacy: { usageStatisticsEnabled: false },
  telemetry: { enabled: false },
  general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
};

Deno.test({
  name: "Gemini CLI through run --project: its model calls metered, its other requests not",
  ignore: skipUnless(gemini, "Gemini CLI tests"),
  async fn() {
    // Where Gemini CLI sends usage statistics (off above), in case it still tries: a
    // closed loopback port, so nothing leaves the machine.
    const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const closedPort = (closed.addr as Deno.NetAddr).port;
    closed.close();
    const m = await startMeter("hm-gemini-", {
      resolve: { "play.googleapis.com:443": `127.0.0.1:${closedPort}` },
    });
    try {
      const home = `${m.dir}/gemini-home`;
      await Deno.mkdir(`${home}/.gemini`, { recursive: true });
      await Deno.writeTextFile(`${home}/.gemini/settings.json`, JSON.stringify(SETTINGS));
      // An empty working directory: nothing of this checkout for it to read as context.
      const cwd = `${m.dir}/work`;
      await Deno.mkdir(cwd);
      const project = "gemini: ü@lab";
      const r = await runCliThroughMeter({
        meterHome: m.home,
        cli: gemini.ok ? gemini.path : "gemini",
        args: ["-p", "Say hi"],
        home,
        project,
        cwd,
        env: { GEMINI_API_KEY: "fake-gemini-key-TEST", GEMINI_CLI_TRUST_WORKSPACE: "true" },
      });
      assert.equal(r.code, 0, r.text);
      const streamed = loadExchange("gemini/stream_sse_cached");
      assert.match(r.text, /The quick brown fox/, r.text);

      // Every request that reached the fake is one row of this project; the model calls
      // among them, and only those, are generate_content rows.
      const seen = m.fake.seen;
      const modelCalls = seen.filter((s) => MODEL_CALL.test(s));
      assert.ok(modelCalls.length >= 1, seen.join("\n"));
      const rows: Row[] = await waitRows(m, project, seen.length);
      assert.equal(rows.length, seen.length, JSON.stringify(rows));
      const models = rows.filter((row) => row.endpoint === "generate_content");
      assert.equal(models.length, modelCalls.length, JSON.stringify(rows));
      for (const row of rows) {
        assert.equal(row.project, project);
        assert.equal(row.project_source, "proxy_auth");
        assert.equal(row.client, "gemini-cli", String(row.client));
        assert.equal(row.provider, "google");
        if (row.endpoint === "generate_content") continue;
        assert.equal(row.endpoint, "other", JSON.stringify(row));
        assert.equal(row.input_tokens, null);
        assert.equal(row.cost_usd, null);
      }
      for (const row of models) {
        assert.equal(row.status, 200);
        assert.equal(row.usage_completeness, "complete", JSON.stringify(row));
        assert.match(String(row.request_model), /^gemini-/);
      }
      // The answer: streamed, with the recorded usage.
      const answer = models.filter((row) => row.stream === true);
      assert.equal(answer.length, 1, JSON.stringify(models));
      assert.equal(answer[0].response_model, streamed.expected.responseModel);
      assert.equal(answer[0].input_tokens, streamed.expected.inputTokens);
      assert.equal(answer[0].output_tokens, streamed.expected.outputTokens);
      assert.equal(answer[0].cache_read_tokens, streamed.expected.cacheReadTokens);
      assert.equal(answer[0].reasoning_tokens, streamed.expected.reasoningTokens);
      // The router's classification, when it asks one: a JSON answer, not retried.
      const router = models.filter((row) => row.stream === false);
      assert.ok(router.length <= 1, JSON.stringify(router));
      const json = loadExchange("gemini/plain_json");
      for (const row of router) assert.equal(row.input_tokens, json.expected.inputTokens);

      const all = (await api(m, "/v1/calls?limit=1000")).body.calls as Row[];
      assert.equal(all.length, rows.length, "every row carries the project");
    } finally {
      await stopMeter(m);
    }
  },
});
