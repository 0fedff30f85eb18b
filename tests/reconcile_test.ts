/**
 * `reconcile claude-code` against what the real Claude Code (from npm) wrote: it runs through
 * the meter (fake provider), writes its session log in its own HOME, and reconcile finds its
 * model call there by request id with the same tokens as the wire; its side requests (settings,
 * policy limits) are not model calls and are not expected in the log.
 */
import assert from "node:assert/strict";
import { spawnMain } from "./_support/role_process.ts";
import { startMeter, stopMeter, waitRows } from "./_support/meter.ts";
import { realCli, runCliThroughMeter, skipUnless } from "./_support/real_clis.ts";

const claude = realCli("claude");

Deno.test({
  name: "reconcile claude-code: the real Claude Code's session log matches the wire call by call",
  ignore: skipUnless(claude, "reconcile with the real Claude Code"),
  async fn() {
    const m = await startMeter("hm-reconcile-");
    try {
      const home = `${m.dir}/claude-home`;
      const r = await runCliThroughMeter({
        meterHome: m.home,
        cli: claude.ok ? claude.path : "claude",
        args: ["-p", "--model", "claude-sonnet-4-5-20250929", "Say hi"],
        home,
        project: "reconciled",
        env: {
          ANTHROPIC_API_KEY: "sk-ant-test-RECONCILE",
          CLAUDE_CODE_DISABLE_LEGACY_MODEL_REMAP: "1",
        },
      });
      assert.equal(r.code, 0, r.text);
      const rows = await waitRows(m, "reconciled", 2);
      assert.ok(rows.some((x) => x.endpoint === "other"), "no side request: nothing left out");
      const out = await spawnMain(
        [
          "reconcile",
          "claude-code",
          "--dir",
          `${home}/.claude/projects`,
          "--since",
          "1h",
          "--json",
        ],
        m.home,
      ).output();
      const text = new TextDecoder().decode(out.stdout);
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
      const rec = JSON.parse(text);
      assert.ok(rec.logs.files >= 1, text);
      assert.equal(rec.totals.matched, 1, text);
      assert.equal(rec.totals.wire_only, 0, text);
      assert.equal(rec.totals.logs_only, 0, text);
      assert.equal(rec.totals.token_mismatches, 0, text);
      assert.deepEqual(rec.totals.wire, rec.totals.logs, "same tokens and cost on both sides");
      assert.ok(rec.totals.wire.cost_usd > 0, text);
    } finally {
      await stopMeter(m);
    }
  },
});
