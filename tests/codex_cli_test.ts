/**
 * Codex CLI (the real CLI, from npm: a native Rust binary) through `halton-meter run --project`
 * against the fake provider. Codex 0.171.0 talks to api.openai.com over the Responses API's
 * WebSocket mode (`GET /v1/responses` upgraded, `OpenAI-Beta: responses_websockets=...`),
 * warming the connection up with a `generate: false` request first; it trusts our CA through
 * `SSL_CERT_FILE`, which `run` sets (`CODEX_CA_CERTIFICATE` works too). When the upgrade is
 * refused it falls back to HTTPS (SSE). Both paths are metered: every response is a
 * `responses` row, the upgrade and any side request an `other` row. A blocked model is shown
 * once per request (Codex retries a 402 thirteen times, so it gets a 400).
 */
import assert from "node:assert/strict";
import { api, type Meter, type Row, startMeter, stopMeter, waitRows } from "./_support/meter.ts";
import { loadExchange } from "./_support/fake_provider.ts";
import { realCli, runCliThroughMeter, skipUnless } from "./_support/real_clis.ts";
import { loadWsExchanges } from "../adapters/websocket/_ws_golden.ts";

const codex = realCli("codex");
const twoTurns = loadWsExchanges("openai_responses").find((e) => e.name === "ws_two_turns")!;

/** Where Codex goes besides api.openai.com: plugin sync (git, GitHub API, chatgpt.com), OTel. */
const SIDE_HOSTS = ["chatgpt.com", "ab.chatgpt.com", "github.com", "api.github.com"];

async function runCodex(m: Meter, model: string, project: string) {
  const home = `${m.dir}/codex-home-${crypto.randomUUID().slice(0, 8)}`;
  await Deno.mkdir(`${home}/.codex`, { recursive: true });
  const cwd = `${home}/work`; // an empty working directory: nothing of this checkout to read
  await Deno.mkdir(cwd);
  return runCliThroughMeter({
    meterHome: m.home,
    cli: codex.ok ? codex.path : "codex",
    args: ["exec", "--skip-git-repo-check", "-m", model, "Say hi"],
    home,
    cwd,
    project,
    env: { OPENAI_API_KEY: "sk-test-CODEX-CLI", CODEX_HOME: `${home}/.codex` },
  });
}

/** The rows of this project, once every request that reached the fake has one. */
async function projectRows(m: Meter, project: string, count: number): Promise<Row[]> {
  await waitRows(m, project, count);
  await new Promise((r) => setTimeout(r, 300)); // side requests' rows land in the same batch
  return (await api(m, `/v1/calls?limit=1000&project=${encodeURIComponent(project)}`)).body.calls;
}

function assertSideRows(rows: Row[], project: string) {
  for (const r of rows) {
    assert.equal(r.project, project);
    assert.equal(r.project_source, "proxy_auth");
    if (r.endpoint === "responses") continue;
    assert.equal(r.endpoint, "other", JSON.stringify(r));
    assert.equal(r.request_model, null);
    assert.equal(r.input_tokens, null);
    assert.equal(r.cost_usd, null);
  }
}

Deno.test({
  name:
    "Codex CLI through run --project: Responses WebSocket and its HTTPS fallback metered; a blocked model shown once",
  ignore: skipUnless(codex, "Codex CLI tests"),
  async fn(t) {
    // Codex's side requests go to a closed loopback port (nothing leaves the machine);
    // chatgpt.com's are intercepted, so they show up as rows.
    const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const closedPort = (closed.addr as Deno.NetAddr).port;
    closed.close();
    const m = await startMeter("hm-codex-", {
      resolve: Object.fromEntries(SIDE_HOSTS.map((h) => [`${h}:443`, `127.0.0.1:${closedPort}`])),
      config: { intercept: { hosts: ["chatgpt.com", "ab.chatgpt.com"] } },
      policy: {
        rules: [{
          id: "no-old-codex",
          match: { model: "gpt-5.2-codex", client: "codex-cli" },
          action: "block",
          message: "Use gpt-5.3-codex.",
        }],
      },
    });
    try {
      await t.step(
        "WebSocket: the warm-up and the turn are responses rows; the upgrade an other row",
        async () => {
          const project = "codex ws: ü@lab";
          const r = await runCodex(m, "gpt-5.3-codex", project);
          assert.equal(r.code, 0, r.text);
          assert.match(r.text, /Hi! I'm ready to help with this repository\./);
          assert.deepEqual(m.fake.seen, ["GET /v1/responses"], "one upgrade, no HTTP model call");
          const asked = m.fake.ws.sessions.flat().map((s) => JSON.parse(s));
          assert.deepEqual(asked.map((a) => [a.type, a.generate ?? true]), [
            ["response.create", false],
            ["response.create", true],
          ]);
          const rows = await projectRows(m, project, m.fake.seen.length + asked.length);
          // Codex exited: its session's upstream connection is closed, not held open (the
          // upgrade's row is written once the session is over, so it is closed by now).
          for (let i = 0; i < 50 && m.fake.ws.closed < m.fake.ws.sessions.length; i++) {
            await new Promise((res) => setTimeout(res, 100));
          }
          assert.equal(m.fake.ws.closed, m.fake.ws.sessions.length);
          assertSideRows(rows, project);
          const calls = rows.filter((x) => x.endpoint === "responses")
            .sort((a, b) => Number(a.started_at) - Number(b.started_at));
          assert.equal(calls.length, 2, JSON.stringify(rows));
          calls.forEach((c, i) => {
            const u = twoTurns.expected[i];
            assert.equal(c.method, "WS");
            assert.equal(c.stream, true);
            assert.equal(c.client, "codex-cli");
            assert.equal(c.request_model, "gpt-5.3-codex");
            assert.equal(c.response_model, u.responseModel);
            assert.equal(c.input_tokens, u.inputTokens);
            assert.equal(c.output_tokens, u.outputTokens);
            assert.equal(c.cache_read_tokens, u.cacheReadTokens);
            assert.equal(c.reasoning_tokens, u.reasoningTokens);
            assert.equal(c.usage_completeness, "complete");
            assert.equal(c.policy_action, "allow");
          });
          assert.ok((calls[1].cost_usd as number) > 0, JSON.stringify(calls[1]));
          const upgrade = rows.filter((x) => x.host === "api.openai.com" && x.endpoint === "other");
          assert.equal(upgrade.length, 1);
          assert.equal(upgrade[0].status, 101);
          assert.equal(upgrade[0].method, "GET");
        },
      );

      await t.step(
        "WebSocket refused: Codex falls back to HTTPS (SSE), metered as a responses row",
        async () => {
          const project = "codex sse";
          const seen = m.fake.seen.length;
          m.fake.refuseWebSocket = true;
          const r = await runCodex(m, "gpt-5.3-codex", project).finally(() => {
            m.fake.refuseWebSocket = false;
          });
          assert.equal(r.code, 0, r.text);
          const sse = loadExchange("openai_responses/stream_completed");
          assert.match(r.text, /In a quiet lab, a robot learned to paint/);
          const reached = m.fake.seen.slice(seen);
          assert.ok(reached.includes("POST /v1/responses"), reached.join());
          const rows = await projectRows(m, project, reached.length);
          assertSideRows(rows, project);
          const refused = rows.filter((x) => x.host === "api.openai.com" && x.endpoint === "other");
          assert.ok(
            refused.length >= 1 && refused.every((x) => x.status === 426),
            JSON.stringify(refused),
          );
          const calls = rows.filter((x) => x.endpoint === "responses");
          assert.equal(calls.length, reached.filter((s) => s === "POST /v1/responses").length);
          for (const c of calls) {
            assert.equal(c.method, "POST");
            assert.equal(c.stream, true);
            assert.equal(c.client, "codex-cli");
            assert.equal(c.request_model, "gpt-5.3-codex");
            assert.equal(c.input_tokens, sse.expected.inputTokens);
            assert.equal(c.output_tokens, sse.expected.outputTokens);
          }
        },
      );

      await t.step(
        "a blocked model: our message, once per request, never at the provider",
        async () => {
          for (const refuse of [false, true]) {
            const project = refuse ? "codex blocked sse" : "codex blocked ws";
            const seen = m.fake.seen.length;
            const sessions = m.fake.ws.sessions.length;
            m.fake.refuseWebSocket = refuse;
            const r = await runCodex(m, "gpt-5.2-codex", project).finally(() => {
              m.fake.refuseWebSocket = false;
            });
            assert.equal(r.code, 1, r.text);
            assert.match(
              r.text,
              /rule \\?"no-old-codex\\?" blocks this call.*Use gpt-5\.3-codex\./,
            );
            assert.doesNotMatch(r.text, /Reconnecting|Falling back/, "Codex retried");
            assert.ok(r.ms < 15_000, `took ${Math.round(r.ms)} ms`);
            // Nothing of a model call reached the provider: no request over a session, no POST.
            assert.deepEqual(m.fake.ws.sessions.slice(sessions).flat(), []);
            assert.ok(!m.fake.seen.slice(seen).includes("POST /v1/responses"));
            await new Promise((res) => setTimeout(res, 300));
            const rows: Row[] =
              (await api(m, `/v1/calls?project=${encodeURIComponent(project)}`)).body.calls;
            const blocked = rows.filter((x) => x.policy_action === "block");
            // The warm-up (WebSocket only) and the turn: one attempt each.
            assert.equal(blocked.length, refuse ? 1 : 2, JSON.stringify(rows));
            for (const b of blocked) {
              assert.equal(b.endpoint, "responses");
              assert.equal(b.method, refuse ? "POST" : "WS");
              assert.equal(b.status, 400);
              assert.equal(b.error_type, "policy_blocked");
              assert.equal(b.request_model, "gpt-5.2-codex");
              assert.equal(b.cost_usd, 0);
            }
          }
        },
      );
    } finally {
      await stopMeter(m);
    }
  },
});
