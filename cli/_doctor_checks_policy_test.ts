import assert from "node:assert/strict";
import { policyChecks } from "./_doctor_checks_policy.ts";
import type { PolicyRow } from "./status.ts";
import { withTempHome } from "../tests/_support/temp_home.ts";

function row(over: Partial<PolicyRow> = {}): PolicyRow {
  return {
    state: "loaded",
    detail: "1 rule · 1 budget · 0 quota rules",
    enforced: true,
    rules: 1,
    budgets: 1,
    quota: 0,
    budgets_near: 0,
    budgets_over: 0,
    error: null,
    ...over,
  };
}

const VALID = JSON.stringify({
  rules: [{ id: "no-opus", match: { model: "claude-opus-*" }, action: "block" }],
  budgets: [{ id: "weekly", window: "week", cap_usd: 40 }],
});

const byId = (checks: ReturnType<typeof policyChecks>) =>
  Object.fromEntries(checks.map((c) => [c.id, c]));

Deno.test("policy checks: no file passes; a valid file enforced by the daemon passes", () =>
  withTempHome("hm-doctor-policy-", async (home) => {
    const none = byId(policyChecks(home, row({ state: "none", rules: 0, budgets: 0 })));
    assert.equal(none["policy.file"].status, "PASS");
    assert.match(none["policy.file"].detail, /every call is allowed/);
    assert.equal(none["policy.enforced"], undefined);
    await Deno.writeTextFile(`${home}/policy.json`, VALID);
    const ok = byId(policyChecks(home, row()));
    assert.equal(ok["policy.file"].status, "PASS");
    assert.match(ok["policy.file"].detail, /1 rule\(s\), 1 budget\(s\)/);
    assert.equal(ok["policy.enforced"].status, "PASS");
  }));

Deno.test("policy checks: an invalid file is FAIL naming the key, with the fix", () =>
  withTempHome("hm-doctor-policy-", async (home) => {
    await Deno.writeTextFile(
      `${home}/policy.json`,
      JSON.stringify({ budgets: [{ id: "w", window: "week", cap_usd: -1 }] }),
    );
    const c = byId(policyChecks(home, row({ state: "invalid" })))["policy.file"];
    assert.equal(c.status, "FAIL");
    assert.match(c.detail, /budgets\[0\]\.cap_usd = -1/);
    assert.match(c.detail, /last good policy/);
    assert.match(c.next ?? "", /halton-meter policy check/);
  }));

Deno.test("policy checks: not enforced, totals unreadable, evaluation errors, budgets over", () =>
  withTempHome("hm-doctor-policy-", async (home) => {
    await Deno.writeTextFile(`${home}/policy.json`, VALID);
    const at = (r: PolicyRow) => byId(policyChecks(home, r))["policy.enforced"];
    const stopped = at(row({ enforced: false }));
    assert.equal(stopped.status, "WARN");
    assert.match(stopped.next ?? "", /halton-meter start/);
    const totals = at(
      row({ error: "Cannot read budget totals: database disk image is malformed" }),
    );
    assert.equal(totals.status, "FAIL");
    assert.match(totals.detail, /budgets are not enforced: .*malformed/);
    const evalErr = at(row({ detail: "1 rule; 3 evaluation error(s), calls allowed" }));
    assert.equal(evalErr.status, "WARN");
    assert.match(evalErr.next ?? "", /daemon\.log/);
    const over = at(row({ budgets_over: 1 }));
    assert.equal(over.status, "WARN");
    assert.match(over.next ?? "", /halton-meter budget/);
  }));
