/** WebSocket sessions through the meter: one row per response, the upgrade as an other row, policy per request. */
import assert from "node:assert/strict";
import type { CallRecord } from "../../core/mod.ts";
import { loadWsExchanges } from "../../adapters/websocket/_ws_golden.ts";
import type { ExchangeObserver, WsMessageInfo } from "../mitm/mod.ts";
import type { CallFacts, Decided, Verdict } from "../policy/mod.ts";
import { createMeter } from "./create_meter.ts";

const T0 = 1_796_300_000_000;
const twoTurns = loadWsExchanges("openai_responses").find((e) => e.name === "ws_two_turns")!;
const realtime = loadWsExchanges("openai_realtime")[0];

function setup(policy?: (facts: CallFacts) => Verdict) {
  const rows: CallRecord[] = [];
  const asked: CallFacts[] = [];
  let settled = 0;
  const meter = createMeter({
    enqueue: (r) => rows.push(r),
    log: { log: () => {} },
    now: () => T0 + 5000,
    policy: policy && {
      active: () => true,
      decide(facts): Decided {
        asked.push(facts);
        return { verdict: policy(facts), settle: () => settled++ };
      },
    },
  });
  const open = (path: string, query = "") =>
    meter({
      host: "api.openai.com",
      port: 443,
      method: "GET",
      path,
      query,
      headers: new Headers({
        upgrade: "websocket",
        connection: "Upgrade",
        authorization: "Bearer sk-test-WS",
        "user-agent": "codex_exec/0.171.0 (Debian 12.0.0; x86_64) unknown (codex_exec; 0.171.0)",
      }),
      proxyAuthorization: `Basic ${btoa("ws-project:x")}`,
      startedAt: T0,
      connection: { client: null },
    });
  return { rows, asked, open, settled: () => settled };
}

function upgraded(obs: ExchangeObserver) {
  obs.onResponseHead!({ status: 101, headers: new Headers({ "x-request-id": "req_ws_1" }) });
}

const msg = (from: "client" | "server", text: string, at: number): WsMessageInfo => ({
  from,
  text,
  binary: false,
  error: null,
  at,
});

const END = { ttfbMs: 3, endedAt: T0 + 9000, bytesUp: 4000, bytesDown: 9000, status: 101 };

Deno.test("meter: a Responses WebSocket session is one row per response and an other row for the upgrade", () => {
  const s = setup();
  const obs = s.open("/v1/responses");
  upgraded(obs);
  twoTurns.messages.forEach((m, i) => obs.onWsMessage!(msg(m.from, m.text, T0 + 100 * (i + 1))));
  assert.equal(
    s.rows.length,
    3,
    "each response is recorded when it ends, not at the session's end",
  );
  obs.onEnd!({ ...END, session: { closedBy: "client" } });
  const calls = s.rows.filter((r) => r.endpoint === "responses");
  assert.deepEqual(calls.map((r) => r.usage), twoTurns.expected);
  for (const r of calls) {
    assert.equal(r.method, "WS");
    assert.equal(r.stream, true);
    assert.equal(r.status, 101);
    assert.equal(r.requestModel, "gpt-5.3-codex");
    assert.equal(r.client, "codex-cli");
    assert.equal(r.project, "ws-project");
    assert.equal(r.providerRequestId, "req_ws_1");
    assert.ok((r.ttfbMs ?? -1) >= 0 && r.durationMs >= (r.ttfbMs ?? 0));
  }
  // Turn 1 starts at its response.create (message 4) and its first event is message 5.
  assert.equal(calls[1].startedAt, T0 + 400);
  assert.equal(calls[1].ttfbMs, 100);
  assert.ok((calls[1].cost.totalUsd ?? 0) > 0, JSON.stringify(calls[1].cost));
  const up = s.rows.at(-1)!;
  assert.equal(up.endpoint, "other");
  assert.equal(up.method, "GET");
  assert.equal(up.status, 101);
  assert.equal(up.usage.completeness, "none");
  assert.equal(up.bytesDown, 9000);
  assert.equal(up.durationMs, 9000);
});

Deno.test("meter: a session that ends mid-response records it incomplete, with who closed it", () => {
  for (const [closedBy, type] of [["client", "client_aborted"], ["server", "session_closed"]]) {
    const s = setup();
    const obs = s.open("/v1/responses");
    upgraded(obs);
    const cut = twoTurns.messages.slice(0, 8); // the warm-up, then turn 1 cut mid-answer
    cut.forEach((m, i) => obs.onWsMessage!(msg(m.from, m.text, T0 + i)));
    obs.onEnd!({ ...END, session: { closedBy: closedBy as "client" | "server" } });
    const r = s.rows.filter((r) => r.endpoint === "responses");
    assert.equal(r.length, 2);
    assert.equal(r[1].usage.completeness, "incomplete");
    assert.equal(r[1].usage.errorType, type);
    assert.equal(r[1].cost.totalUsd, null);
  }
});

Deno.test("meter: an unreadable stream ends the open responses at once (parse_error)", () => {
  const s = setup();
  const obs = s.open("/v1/responses");
  upgraded(obs);
  obs.onWsMessage!(msg("client", twoTurns.messages[3].text, T0 + 1));
  obs.onWsMessage!({
    from: "server",
    text: null,
    binary: false,
    error: "RSV2/RSV3 set",
    fatal: true,
    at: T0 + 2,
  });
  assert.equal(s.rows.length, 1);
  assert.equal(s.rows[0].usage.errorType, "parse_error");
  obs.onWsMessage!(msg("client", twoTurns.messages[3].text, T0 + 3));
  obs.onEnd!({ ...END, session: { closedBy: "client" } });
  assert.equal(s.rows.length, 2, "nothing more after it but the upgrade row");
});

Deno.test("meter: Realtime rows carry text, audio and cached tokens, priced at the model's rates", () => {
  const s = setup();
  const obs = s.open("/v1/realtime", "model=gpt-realtime");
  upgraded(obs);
  realtime.messages.forEach((m, i) => obs.onWsMessage!(msg(m.from, m.text, T0 + 10 * i)));
  obs.onEnd!({ ...END, session: { closedBy: "server" } });
  const calls = s.rows.filter((r) => r.endpoint === "realtime");
  assert.deepEqual(calls.map((r) => r.usage), realtime.expected);
  assert.equal(calls[0].requestModel, "gpt-realtime-2025-08-28");
  for (const r of calls.slice(0, 2)) {
    assert.ok((r.cost.totalUsd ?? 0) > 0, JSON.stringify(r.cost));
    assert.equal(r.cost.unpricedReason, null);
  }
  // The second response was started by the server (voice activity), not by a request.
  assert.equal(calls[1].ttfbMs, 0);
  assert.equal(calls[2].usage.errorType, "invalid_value");
  assert.equal(calls[2].cost.unpricedReason, "no_usage");
});

Deno.test("meter: policy decides the upgrade as its session's calls and each response.create on its model", async () => {
  const s = setup((f) =>
    f.model === "gpt-blocked"
      ? { action: "block", source: { kind: "rule", id: "no-blocked" }, message: "Not this model." }
      : { action: "allow", source: null, message: null }
  );
  const obs = s.open("/v1/responses");
  assert.equal((await obs.decide!()).action, "allow");
  assert.deepEqual([s.asked[0].endpoint, s.asked[0].model], ["responses", null]);
  upgraded(obs);
  assert.equal(s.settled(), 1, "the upgrade's reservation goes back at the 101");
  const ok = msg(
    "client",
    JSON.stringify({ type: "response.create", model: "gpt-5.3-codex" }),
    T0 + 1,
  );
  assert.deepEqual(await obs.decideWsMessage!(ok), { action: "allow" });
  obs.onWsMessage!(ok);
  assert.deepEqual([s.asked[1].endpoint, s.asked[1].model], ["responses", "gpt-5.3-codex"]);
  const noCall = msg("client", JSON.stringify({ type: "response.processed" }), T0 + 2);
  assert.deepEqual(await obs.decideWsMessage!(noCall), { action: "allow" });
  assert.equal(s.asked.length, 2, "only requests for a response are decided");
  const bad = msg(
    "client",
    JSON.stringify({ type: "response.create", model: "gpt-blocked" }),
    T0 + 3,
  );
  const d = await obs.decideWsMessage!(bad);
  assert.equal(d.action, "block");
  if (d.action !== "block") return;
  assert.deepEqual(d.close, { code: 1008, reason: "Halton Meter policy" });
  const event = JSON.parse(d.messages[0]);
  assert.equal(
    event.status,
    400,
    "Codex CLI (this user agent) is blocked with 400: it retries 402",
  );
  assert.equal(event.error.code, "policy_blocked");
  assert.match(event.error.message, /Not this model/);
  const blocked = s.rows.at(-1)!;
  assert.equal(blocked.policy?.action, "block");
  assert.equal(blocked.status, 400);
  assert.equal(blocked.usage.errorType, "policy_blocked");
  assert.equal(blocked.cost.totalUsd, 0);
  assert.equal(blocked.requestModel, "gpt-blocked");
  obs.onEnd!({ ...END, session: { closedBy: "policy" } });
  const allowed = s.rows.find((r) => r.requestModel === "gpt-5.3-codex")!;
  assert.equal(allowed.policy?.action, "allow");
  assert.equal(allowed.usage.completeness, "incomplete");
  assert.equal(s.settled(), 3, "every decision's reservation goes back once");
});

Deno.test("meter: a Realtime upgrade is decided on the model in its URL; a refused one is an other row", async () => {
  const s = setup(() => ({
    action: "block",
    source: { kind: "rule", id: "no-voice" },
    message: "No voice.",
  }));
  const obs = s.open("/v1/realtime", "model=gpt-realtime");
  const d = await obs.decide!();
  assert.deepEqual([s.asked[0].endpoint, s.asked[0].model], ["realtime", "gpt-realtime"]);
  assert.equal(d.action, "block");
  if (d.action !== "block") return;
  assert.equal(JSON.parse(new TextDecoder().decode(d.body)).error.code, "policy_blocked");
  obs.onEnd!({
    ttfbMs: 1,
    endedAt: T0 + 2,
    bytesUp: 0,
    bytesDown: d.body.length,
    status: d.status,
    blocked: true,
  });
  assert.equal(s.rows.length, 1);
  assert.equal(s.rows[0].endpoint, "other");
  assert.equal(s.rows[0].policy?.action, "block");
  assert.equal(d.status, 400, "Codex CLI's user agent");
  assert.equal(s.rows[0].status, 400);
});
