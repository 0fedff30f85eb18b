/**
 * Claude Code (the real CLI, from npm) through `halton-meter run` against the fake provider:
 * its model call is metered (model, tokens, client `claude-code`, the `--project`), its side
 * requests (settings, policy limits) are `other` rows, never model calls, and a call the
 * policy blocks fails once, fast, with our message, without reaching the provider (Claude
 * Code retries many statuses; 402 it does not).
 */
import assert from "node:assert/strict";
import { api, type Meter, type Row, startMeter, stopMeter, waitRows } from "./_support/meter.ts";
import { loadExchange } from "./_support/fake_provider.ts";
import { realCli, runCliThroughMeter, skipUnless } from "./_support/real_clis.ts";

const claude = realCli("claude");

function runClaude(m: Meter, model: string, project?: string) {
  return runCliThroughMeter({
    meterHome: m.home,
    cli: claude.ok ? claude.path : "claude",
    args: ["-p", "--model", model, "Say hi"],
    home: `${m.dir}/claude-home`,
    project,
    env: {
      ANTHROPIC_API_KEY: "sk-ant-test-CLAUDE-CODE",
      CLAUDE_CODE_DISABLE_LEGACY_MODEL_REMAP: "1",
    },
  });
}

Deno.test({
  name:
    "Claude Code through run --project: its model call metered, side requests other rows; a blocked model fails once with our message",
  ignore: skipUnless(claude, "Claude Code tests"),
  async fn(t) {
    const m = await startMeter("hm-claude-", {
      policy: {
        rules: [{
          id: "no-opus",
          match: { model: "claude-opus-*", client: "claude-code" },
          action: "block",
          message: "Opus is not for this machine.",
        }],
      },
    });
    const messages = async () =>
      ((await api(m, "/v1/calls?limit=1000")).body.calls as Row[])
        .filter((c) => c.endpoint === "messages");
    try {
      await t.step(
        "run --project: its model call is metered; its side requests are other rows",
        async () => {
          const project = "claude code: é@lab";
          const before = m.fake.seen.length;
          const r = await runClaude(m, "claude-sonnet-4-5-20250929", project);
          assert.equal(r.code, 0, r.text);
          // Every request that reached the fake is one row of this project; the model call,
          // and only it, is a messages row.
          const seen = m.fake.seen.slice(before);
          const rows: Row[] = await waitRows(m, project, seen.length);
          assert.equal(rows.length, seen.length, JSON.stringify(rows));
          const modelCalls = seen.filter((s) => s === "POST /v1/messages");
          assert.equal(modelCalls.length, 1, seen.join());
          const model = rows.filter((row) => row.endpoint === "messages");
          assert.equal(model.length, 1, JSON.stringify(rows));
          const ex = loadExchange("anthropic/stream_cache_5m_1h"); // Claude Code streams
          const row = model[0];
          assert.equal(row.request_model, "claude-sonnet-4-5-20250929");
          assert.equal(row.response_model, ex.expected.responseModel);
          assert.equal(row.stream, true);
          assert.equal(row.status, 200);
          assert.equal(row.input_tokens, ex.expected.inputTokens);
          assert.equal(row.output_tokens, ex.expected.outputTokens);
          assert.equal(row.cache_read_tokens, ex.expected.cacheReadTokens);
          assert.equal(row.cache_write_5m_tokens, ex.expected.cacheWrite5mTokens);
          assert.equal(row.cache_write_1h_tokens, ex.expected.cacheWrite1hTokens);
          assert.ok((row.cost_usd as number) > 0, JSON.stringify(row));
          assert.equal(row.policy_action, "allow");
          for (const r of rows) {
            assert.equal(r.project, project);
            assert.equal(r.project_source, "proxy_auth");
            assert.equal(r.client, "claude-code");
            if (r === row) continue;
            // Settings, policy limits (and, with non-essential traffic on, bootstrap, telemetry).
            assert.equal(r.endpoint, "other", JSON.stringify(r));
            assert.match(String(r.path), /^\/api\//);
            assert.equal(r.request_model, null);
            assert.equal(r.input_tokens, null);
            assert.equal(r.cost_usd, null);
          }
          assert.ok(rows.length > 1, "no side requests seen: the other-row check checked nothing");
        },
      );

      await t.step("a blocked model: exit 1 after one attempt, our message shown", async () => {
        const before = m.fake.seen.length;
        const r = await runClaude(m, "claude-opus-4-1");
        assert.equal(r.code, 1, r.text);
        assert.match(r.text, /402/);
        assert.match(r.text, /rule "no-opus" blocks this call.*Opus is not for this machine/);
        assert.ok(r.ms < 15_000, `took ${Math.round(r.ms)} ms`);
        await new Promise((res) => setTimeout(res, 300));
        const blocked = (await messages()).filter((c) => c.policy_action === "block");
        assert.equal(blocked.length, 1, "Claude Code retried the blocked call");
        // Its side requests (settings, policy limits) may reach the fake; the model call not.
        const upstream = m.fake.seen.slice(before);
        assert.deepEqual(upstream.filter((s) => s.endsWith("/v1/messages")), [], upstream.join());
        assert.equal(blocked[0].status, 402);
      });
    } finally {
      await stopMeter(m);
    }
  },
});
