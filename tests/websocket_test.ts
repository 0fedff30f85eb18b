/**
 * WebSocket sessions through `main.ts up` (edge, daemon) against the fake provider: the
 * Responses API's WebSocket mode and the Realtime API, driven by Deno's own WebSocket through
 * HTTPS_PROXY, and a permessage-deflate session between hand-written peers. One row per
 * response with its usage, the upgrade an `other` row, frames unchanged, and nothing left open
 * when either side goes: the client closing, vanishing, or the server closing mid-answer.
 */
import assert from "node:assert/strict";
import { api, type Meter, type Row, startMeter, stopMeter, waitRows } from "./_support/meter.ts";
import { loadWsExchanges } from "../adapters/websocket/_ws_golden.ts";
import type { WsPlan } from "./_support/ws_client.ts";
import { deflateClient, startDeflateServer } from "./_support/ws_deflate_peers.ts";

const CLIENT = new URL("./_support/ws_client.ts", import.meta.url).pathname;
const responses = loadWsExchanges("openai_responses");
const twoTurns = responses.find((e) => e.name === "ws_two_turns")!;
const realtime = loadWsExchanges("openai_realtime")[0];
const TERMINAL = "^(response\\.(completed|incomplete|failed)|error)$";

/** Runs ws_client.ts with the meter's proxy and CA, as project `project`. */
async function runClient(m: Meter, project: string, plan: WsPlan) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-env", "--allow-read", CLIENT, JSON.stringify(plan)],
    env: {
      HTTPS_PROXY: `http://${
        encodeURIComponent(encodeURIComponent(project))
      }:x@127.0.0.1:${m.ports.edge}`,
      DENO_CERT: `${m.home}/ca/ca-bundle.pem`,
      NO_PROXY: "",
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const lines = new TextDecoder().decode(out.stdout).split("\n").filter((l) => l !== "")
    .map((l) => JSON.parse(l));
  return { code: out.code, lines, stderr: new TextDecoder().decode(out.stderr) };
}

/** The client's messages of a recorded session, and what each waits for. */
function clientPlan(ex: typeof twoTurns, wait: string, extra: Partial<WsPlan> = {}): WsPlan {
  const send = ex.messages.filter((m) => m.from === "client").map((m) => m.text);
  const waitFor = send.map((t) => JSON.parse(t).type === "response.create" ? wait : null);
  return {
    url: `wss://api.openai.com${ex.path}${ex.query ? `?${ex.query}` : ""}`,
    send,
    waitFor,
    ...extra,
  };
}

function assertCallRows(rows: Row[], endpoint: string, expected: typeof twoTurns.expected) {
  // In the order they ended; rows of the same millisecond in the recording's order.
  const idx = (r: Row) => expected.findIndex((u) => u.responseId === r.response_id);
  const calls = rows.filter((r) => r.endpoint === endpoint)
    .sort((a, b) => Number(a.ended_at) - Number(b.ended_at) || idx(a) - idx(b));
  assert.equal(calls.length, expected.length, JSON.stringify(rows));
  calls.forEach((r, i) => {
    const u = expected[i];
    assert.equal(r.method, "WS");
    assert.equal(r.stream, true);
    assert.equal(r.input_tokens, u.inputTokens, `call ${i}`);
    assert.equal(r.output_tokens, u.outputTokens, `call ${i}`);
    assert.equal(r.cache_read_tokens, u.cacheReadTokens, `call ${i}`);
    assert.equal(r.response_model, u.responseModel, `call ${i}`);
    assert.equal(r.usage_completeness, u.completeness, `call ${i}`);
    assert.equal(r.error_type, u.errorType, `call ${i}`);
  });
  return calls;
}

Deno.test({
  name:
    "WebSocket sessions through up: Responses and Realtime metered per response, nothing left open",
  async fn(t) {
    const m = await startMeter("hm-ws-", {
      policy: {
        rules: [{
          id: "no-blocked",
          match: { model: "gpt-blocked*" },
          action: "block",
          message: "Not on this machine.",
        }],
      },
    });
    try {
      await t.step(
        "Responses WebSocket: a warm-up and two turns are three rows; the upgrade an other row",
        async () => {
          const project = "ws responses";
          const r = await runClient(m, project, clientPlan(twoTurns, TERMINAL));
          assert.equal(r.code, 0, r.stderr + JSON.stringify(r.lines));
          const recv = r.lines.filter((l) => "recv" in l).map((l) => l.recv);
          assert.deepEqual(
            recv,
            twoTurns.messages.filter((x) => x.from === "server").map((x) => x.text),
          );
          const rows = await waitRows(m, project, 4);
          const calls = assertCallRows(rows, "responses", twoTurns.expected);
          for (const c of calls) {
            assert.equal(c.request_model, "gpt-5.3-codex");
            assert.equal(c.project, project);
            assert.equal(c.policy_action, "allow");
            assert.ok((c.ttfb_ms as number) >= 0);
          }
          assert.ok((calls[1].cost_usd as number) > 0, JSON.stringify(calls[1]));
          const up = rows.filter((x) => x.endpoint === "other");
          assert.equal(up.length, 1);
          assert.equal(up[0].status, 101);
          assert.equal(up[0].method, "GET");
          assert.ok((up[0].bytes_down as number) > 0);
          assert.equal(
            m.fake.ws.closed,
            m.fake.ws.sessions.length,
            "the upstream session is closed",
          );
        },
      );

      await t.step("Realtime: text, audio and cached tokens per response; priced", async () => {
        const project = "ws realtime";
        // Each request waits for its answer; the spoken turn's audio for the response the
        // server starts by itself.
        const plan = clientPlan(realtime, "", {
          waitFor: [null, null, "^response\\.done$", "^response\\.done$", "^error$"],
        });
        const r = await runClient(m, project, plan);
        assert.equal(r.code, 0, r.stderr + JSON.stringify(r.lines));
        const rows = await waitRows(m, project, realtime.expected.length + 1);
        const calls = assertCallRows(rows, "realtime", realtime.expected);
        assert.equal(calls[0].request_model, "gpt-realtime-2025-08-28");
        for (const c of calls.slice(0, 2)) assert.ok((c.cost_usd as number) > 0, JSON.stringify(c));
      });

      await t.step(
        "a client that vanishes mid-answer: its upstream is closed, the response incomplete",
        async () => {
          const project = "ws vanish";
          const closedBefore = m.fake.ws.closed;
          const plan = clientPlan(twoTurns, TERMINAL, {
            headers: { "x-fake-delay-ms": "200" },
            vanishAfter: 4, // the warm-up's two events, then two of turn 1's
          });
          const r = await runClient(m, project, plan);
          assert.equal(r.code, 0, r.stderr);
          const rows = await waitRows(m, project, 3);
          const cut = rows.find((x) =>
            x.endpoint === "responses" && x.usage_completeness === "incomplete"
          );
          assert.ok(cut, JSON.stringify(rows));
          assert.equal(cut.error_type, "client_aborted");
          assert.equal(cut.cost_usd, null);
          await waitFor(() => m.fake.ws.closed > closedBefore, "the fake's session closed");
        },
      );

      await t.step(
        "the server closing mid-answer closes the client; the response is incomplete",
        async () => {
          const project = "ws cut";
          const cut = responses.find((e) => e.name === "ws_cut")!;
          const r = await runClient(
            m,
            project,
            clientPlan(cut, TERMINAL, {
              headers: { "x-fake-exchange": "openai_responses/ws_cut" },
            }),
          );
          assert.equal(r.code, 0, r.stderr);
          assert.equal(r.lines.find((l) => "close" in l)?.close, 1011);
          const rows = await waitRows(m, project, 2);
          const calls = assertCallRows(
            rows,
            "responses",
            cut.expected.map((u) => ({
              ...u,
              errorType: "session_closed",
            })),
          );
          assert.match(String(calls[0].error_message), /server closed the WebSocket session/);
        },
      );

      await t.step(
        "a blocked model: error event (402) and close 1008; the provider never sees it",
        async () => {
          const project = "ws blocked";
          const sessions = m.fake.ws.sessions.length;
          const ask = JSON.stringify({
            type: "response.create",
            model: "gpt-blocked-1",
            input: [],
          });
          const r = await runClient(m, project, {
            url: "wss://api.openai.com/v1/responses",
            send: [ask],
            waitFor: [TERMINAL],
          });
          assert.equal(r.code, 0, r.stderr);
          const event = JSON.parse(r.lines.find((l) => "recv" in l)?.recv);
          assert.equal(event.type, "error");
          assert.equal(event.status, 402);
          assert.match(
            event.error.message,
            /rule "no-blocked" blocks this call.*Not on this machine/,
          );
          assert.equal(r.lines.find((l) => "close" in l)?.close, 1008);
          assert.equal(m.fake.ws.sessions.length, sessions + 1);
          assert.deepEqual(m.fake.ws.sessions.at(-1), [], "the request never reached the provider");
          const rows = await waitRows(m, project, 2);
          const blocked = rows.find((x) => x.endpoint === "responses")!;
          assert.equal(blocked.policy_action, "block");
          assert.equal(blocked.status, 402);
          assert.equal(blocked.error_type, "policy_blocked");
          assert.equal(blocked.cost_usd, 0);
        },
      );
    } finally {
      await stopMeter(m);
    }
  },
});

Deno.test({
  name: "WebSocket with permessage-deflate through up: frames cross unchanged, responses metered",
  async fn() {
    const free = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (free.addr as Deno.NetAddr).port;
    free.close();
    const m = await startMeter("hm-wsz-", {
      resolve: { "api.openai.com:443": `127.0.0.1:${port}` },
    });
    const server = await startDeflateServer(port, m.ca, "openai_responses/ws_two_turns");
    try {
      const project = "ws deflate";
      const c = await deflateClient({
        edgePort: m.ports.edge,
        caPem: await Deno.readTextFile(`${m.home}/ca/halton-meter-ca.pem`),
        project,
        path: "/v1/responses",
        userAgent: "codex_exec/0.171.0 (Debian 12.0.0; x86_64) unknown (codex_exec; 0.171.0)",
      });
      assert.match(c.head, /^HTTP\/1\.1 101 /);
      assert.match(c.head, /permessage-deflate/i);
      await c.send(twoTurns.messages.filter((x) => x.from === "client").map((x) => x.text));
      await waitFor(
        () =>
          server.sent[0] !== undefined && c.received().length >= server.sent[0].length &&
          server.received[0].length === 4,
        "every answer",
      );
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(
        c.received(),
        server.sent[0],
        "the server's frames reach the client unchanged",
      );
      assert.deepEqual(
        server.received[0],
        twoTurns.messages.filter((x) => x.from === "client").map((x) => x.text),
      );
      await c.close();
      const rows = await waitRows(m, project, 4);
      const calls = assertCallRows(rows, "responses", twoTurns.expected);
      for (const r of calls) assert.equal(r.client, "codex-cli");
    } finally {
      server.close();
      await stopMeter(m);
    }
  },
});

async function waitFor(pred: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// `api` is kept for ad-hoc debugging of a failing step (all rows, any project).
void api;
