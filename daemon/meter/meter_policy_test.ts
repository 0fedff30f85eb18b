/** The meter's decision step: what it asks the policy, what it answers, what it records. */
import assert from "node:assert/strict";
import type { CallRecord } from "../../core/mod.ts";
import type { CallFacts, Decided, Verdict } from "../policy/mod.ts";
import { createMeter, type MeterDeps, SELF_TEST_HEADER } from "./create_meter.ts";

const BODY = new TextEncoder().encode(
  JSON.stringify({ model: "claude-opus-4-1", max_tokens: 5, stream: true, messages: [] }),
);

function setup(verdict: Verdict, active = true) {
  const rows: CallRecord[] = [];
  const asked: CallFacts[] = [];
  let settled = 0;
  const meter = createMeter({
    enqueue: (r) => rows.push(r),
    log: { log: () => {} },
    policy: {
      active: () => active,
      decide(facts): Decided {
        asked.push(facts);
        return { verdict, settle: () => settled++ };
      },
    },
  });
  const start = (headers: Record<string, string> = {}) =>
    meter({
      host: "api.anthropic.com",
      port: 443,
      method: "POST",
      path: "/v1/messages",
      query: "",
      headers: new Headers({
        "user-agent": "claude-cli/2.1.3 (external, cli)",
        "x-api-key": "sk-ant-test-METER",
        ...headers,
      }),
      proxyAuthorization: `Basic ${btoa("acme:x")}`,
      startedAt: 1_763_900_000_000,
      connection: { client: null },
    });
  return { rows, asked, meter, start, settled: () => settled };
}

const END = { endedAt: 1_763_900_000_020, ttfbMs: 5, bytesUp: 0, bytesDown: 120, status: 402 };

Deno.test("meter: a block verdict answers in the provider's shape and records the block", async () => {
  const verdict: Verdict = {
    action: "block",
    source: { kind: "budget", id: "acme-weekly" },
    message: 'Halton Meter budget "acme-weekly" is exhausted: $40.10 of $40.00',
  };
  const s = setup(verdict);
  const obs = s.start();
  obs.onRequestBody!(BODY);
  const d = await obs.decide!();
  assert.equal(d.action, "block");
  if (d.action !== "block") return;
  assert.equal(d.status, 402);
  const body = JSON.parse(new TextDecoder().decode(d.body));
  assert.deepEqual(body, {
    type: "error",
    error: { type: "billing_error", message: verdict.message },
  });
  assert.deepEqual(s.asked, [{
    provider: "anthropic",
    host: "api.anthropic.com",
    endpoint: "messages",
    model: "claude-opus-4-1",
    project: "acme",
    client: "claude-code",
    key: s.asked[0].key,
  }]);
  assert.match(s.asked[0].key ?? "", /^[0-9a-f]{8}$/);
  obs.onEnd!({ ...END, blocked: true });
  assert.equal(s.settled(), 1, "the reservation is returned");
  const [row] = s.rows;
  assert.deepEqual(row.policy, {
    action: "block",
    id: "budget:acme-weekly",
    message: verdict.message,
  });
  assert.equal(row.status, 402);
  assert.equal(row.cost.totalUsd, 0);
  assert.equal(row.usage.completeness, "none");
  assert.equal(row.usage.errorType, "policy_blocked");
  assert.equal(row.requestModel, "claude-opus-4-1");
  assert.equal(row.stream, true);
});

Deno.test("meter: a warn verdict becomes a header-safe warning; allow records allow", async () => {
  const warn = setup({
    action: "warn",
    source: { kind: "rule", id: "pricey" },
    message: "line one\r\nline two — über",
  });
  const obs = warn.start();
  obs.onRequestBody!(BODY);
  const d = await obs.decide!();
  assert.deepEqual(d, { action: "warn", warning: "line one line two ? ?ber" });
  obs.onEnd!({ ...END, status: 200 });
  assert.equal(warn.rows[0].policy?.action, "warn");
  assert.equal(warn.rows[0].policy?.id, "rule:pricey");

  const allow = setup({ action: "allow", source: null, message: null });
  const o2 = allow.start();
  o2.onRequestBody!(BODY);
  assert.deepEqual(await o2.decide!(), { action: "allow" });
  o2.onEnd!({ ...END, status: 200 });
  assert.deepEqual(allow.rows[0].policy, { action: "allow", id: null, message: null });
});

Deno.test("meter: no decision step without an active policy, nor for the self-test", () => {
  const inactive = setup({ action: "block", source: null, message: null }, false);
  const obs = inactive.start();
  assert.equal(obs.decide, undefined);
  obs.onEnd!({ ...END, status: 200 });
  assert.equal(inactive.rows[0].policy, null);
  const selfTest = setup({ action: "block", source: null, message: null });
  assert.equal(selfTest.start({ [SELF_TEST_HEADER]: "1" }).decide, undefined);
});

/** A call with no named project, under an allowing policy that matches on projects. */
function projectSetup(
  lookup: Pick<MeterDeps, "processProject" | "knownProcessProject" | "decisionProjectWaitMs">,
) {
  const asked: CallFacts[] = [];
  const meter = createMeter({
    enqueue: () => {},
    log: { log: () => {} },
    policy: {
      active: () => true,
      usesProject: () => true,
      decide(facts): Decided {
        asked.push(facts);
        return { verdict: { action: "allow", source: null, message: null }, settle: () => {} };
      },
    },
    ...lookup,
  });
  const obs = meter({
    host: "api.anthropic.com",
    port: 443,
    method: "POST",
    path: "/v1/messages",
    query: "",
    headers: new Headers({ "x-api-key": "sk-ant-test" }),
    proxyAuthorization: null,
    startedAt: 1,
    connection: { client: { port: 50000, serverPort: 8081 } },
  });
  obs.onRequestBody!(BODY);
  return { asked, obs };
}

Deno.test("meter: a policy that names projects waits for the caller's process project", async () => {
  let resolveLookup: (p: { project: string; source: "process_cwd" } | null) => void = () => {};
  const { asked, obs } = projectSetup({
    processProject: () => new Promise((r) => resolveLookup = r),
    decisionProjectWaitMs: 5000,
  });
  const pending = obs.decide!();
  assert.ok(pending instanceof Promise, "the decision waits for the lookup");
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(asked.length, 0);
  resolveLookup({ project: "acme-widgets", source: "process_cwd" });
  assert.deepEqual(await pending, { action: "allow" });
  assert.equal(asked[0].project, "acme-widgets");
});

Deno.test("meter: a connection whose project is already known decides at once", () => {
  const { asked, obs } = projectSetup({
    processProject: () => new Promise(() => {}),
    knownProcessProject: () => ({ project: "acme-widgets", source: "process_cwd" }),
  });
  assert.deepEqual(obs.decide!(), { action: "allow" }, "no promise, no timer");
  assert.equal(asked[0].project, "acme-widgets");
});
