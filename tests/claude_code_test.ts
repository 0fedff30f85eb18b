/**
 * Claude Code (the real CLI, from npm) through `halton-meter run` against the fake provider:
 * its model call is metered, and a call the policy blocks fails once, fast, with our message,
 * without reaching the provider (Claude Code retries many statuses; 402 it does not).
 */
import assert from "node:assert/strict";
import { api, type Meter, startMeter, stopMeter } from "./_support/meter.ts";
import { MAIN } from "./_support/role_process.ts";
import { cliEnv, realCli, skipUnless } from "./_support/real_clis.ts";
import { SOURCE_PERMISSIONS } from "../setup/mod.ts";

const claude = realCli("claude");

async function runClaude(m: Meter, model: string) {
  const home = `${m.dir}/claude-home`;
  await Deno.mkdir(home, { recursive: true });
  const t0 = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      ...SOURCE_PERMISSIONS,
      MAIN,
      "run",
      "--",
      claude.ok ? claude.path : "claude",
      "-p",
      "--model",
      model,
      "Say hi",
    ],
    env: cliEnv(home, {
      HALTON_METER_HOME: m.home,
      ANTHROPIC_API_KEY: "sk-ant-test-CLAUDE-CODE",
      CLAUDE_CODE_DISABLE_LEGACY_MODEL_REMAP: "1",
    }),
    clearEnv: true,
    stdin: "null", // claude -p waits for stdin otherwise
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    ms: performance.now() - t0,
    text: new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr),
  };
}

Deno.test({
  name: "Claude Code through run: metered, and a blocked model fails once with our message",
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
      ((await api(m, "/v1/calls?limit=1000")).body.calls as Record<string, unknown>[])
        .filter((c) => c.endpoint === "messages");
    try {
      await t.step("a model call lands one row, attributed to claude-code", async () => {
        const r = await runClaude(m, "claude-sonnet-4-5-20250929");
        assert.equal(r.code, 0, r.text);
        let rows: Record<string, unknown>[] = [];
        for (let i = 0; i < 40 && rows.length === 0; i++) {
          rows = await messages();
          if (rows.length === 0) await new Promise((res) => setTimeout(res, 100));
        }
        assert.equal(rows.length, 1, JSON.stringify(rows));
        assert.equal(rows[0].client, "claude-code");
        assert.equal(rows[0].status, 200);
        assert.ok((rows[0].input_tokens as number) > 0);
        assert.equal(rows[0].policy_action, "allow");
      });

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
