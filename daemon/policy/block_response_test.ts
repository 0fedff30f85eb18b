import assert from "node:assert/strict";
import {
  BLOCK_CLOSE_CODE,
  BLOCK_STATUS,
  blockEvent,
  blockResponse,
  blockStatus,
  headerSafe,
} from "./block_response.ts";
import type { Verdict } from "./types.ts";

const BUDGET: Verdict = {
  action: "block",
  source: { kind: "budget", id: "acme-weekly" },
  message: 'Halton Meter budget "acme-weekly" is exhausted: $40.12 of $40.00 spent this week.',
};

function body(r: { body: Uint8Array }): unknown {
  return JSON.parse(new TextDecoder().decode(r.body));
}

function header(r: { headers: [string, string][] }, name: string): string | undefined {
  return r.headers.find(([k]) => k === name)?.[1];
}

Deno.test("blockResponse: Anthropic shape for messages and count_tokens, and Anthropic hosts", () => {
  for (
    const [endpoint, host] of [
      ["messages", "api.anthropic.com"],
      ["count_tokens", "api.anthropic.com"],
      ["messages", "us-east5-aiplatform.googleapis.com"], // Claude on Vertex
      ["messages", "bedrock-runtime.us-east-1.amazonaws.com"],
      ["other", "api.anthropic.com"],
    ]
  ) {
    const r = blockResponse(endpoint, host, BUDGET);
    assert.deepEqual(body(r), {
      type: "error",
      error: { type: "billing_error", message: BUDGET.message },
    }, `${endpoint} ${host}`);
  }
});

Deno.test("blockResponse: OpenAI shape with a code per source kind", () => {
  const codes: [Verdict["source"], string][] = [
    [{ kind: "budget", id: "b" }, "budget_exceeded"],
    [{ kind: "quota", id: "q" }, "quota_limit"],
    [{ kind: "rule", id: "r" }, "policy_blocked"],
    [null, "policy_blocked"],
  ];
  for (const [source, code] of codes) {
    for (
      const [endpoint, host] of [
        ["chat_completions", "api.openai.com"],
        ["responses", "api.openai.com"],
        ["chat_completions", "openrouter.ai"],
        ["other", "api.groq.com"],
        ["realtime", "api.openai.com"],
      ]
    ) {
      const r = blockResponse(endpoint, host, { action: "block", source, message: "no" });
      assert.deepEqual(body(r), {
        error: { message: "no", type: "halton_meter_policy", param: null, code },
      }, `${endpoint} ${host} ${code}`);
    }
  }
});

Deno.test("blockResponse: Gemini shape for generate_content and Google hosts", () => {
  for (
    const [endpoint, host] of [
      ["generate_content", "generativelanguage.googleapis.com"],
      ["generate_content", "us-central1-aiplatform.googleapis.com"],
      ["other", "generativelanguage.googleapis.com"],
    ]
  ) {
    assert.deepEqual(body(blockResponse(endpoint, host, BUDGET)), {
      error: { code: 402, message: BUDGET.message, status: "PERMISSION_DENIED" },
    }, `${endpoint} ${host}`);
  }
});

Deno.test("blockResponse: 402, not retried, marked with the policy id", () => {
  const r = blockResponse("messages", "api.anthropic.com", BUDGET);
  assert.equal(BLOCK_STATUS, 402);
  assert.equal(r.status, 402);
  assert.equal(r.reason, "Payment Required");
  assert.deepEqual(r.headers, [
    ["content-type", "application/json"],
    ["x-should-retry", "false"],
    ["x-halton-meter-policy", "block"],
    ["x-halton-meter-policy-id", "budget:acme-weekly"],
  ]);
  // No source: no id header; no message: a default one.
  const bare = blockResponse("messages", "api.anthropic.com", {
    action: "block",
    source: null,
    message: null,
  });
  assert.equal(header(bare, "x-halton-meter-policy-id"), undefined);
  assert.deepEqual(body(bare), {
    type: "error",
    error: { type: "billing_error", message: "Halton Meter policy blocked this call." },
  });
});

Deno.test("blockResponse: the message is carried verbatim in the JSON body, UTF-8", () => {
  const message = 'Budget "café" épuisé\n"quoted" \\ back 😀';
  const r = blockResponse("chat_completions", "api.openai.com", {
    action: "block",
    source: { kind: "rule", id: "r" },
    message,
  });
  assert.equal((body(r) as { error: { message: string } }).error.message, message);
});

Deno.test("headerSafe: one line of visible ASCII, cut at the limit", () => {
  assert.equal(headerSafe("plain text: $1.00 of $2.00 (50%)"), "plain text: $1.00 of $2.00 (50%)");
  assert.equal(headerSafe("line one\r\nline two\nthree\r"), "line one line two three ");
  assert.equal(headerSafe("café 😀"), "caf? ??");
  assert.equal(headerSafe("tab\there\u0000nul\u007fdel"), "tab?here?nul?del");
  assert.equal(headerSafe("x".repeat(1500)), `${"x".repeat(997)}...`);
  assert.equal(headerSafe("x".repeat(1000)), "x".repeat(1000));
  assert.equal(headerSafe("abcdef", 5), "ab...");
  // Whatever goes in, a Headers object accepts what comes out.
  const all = Array.from({ length: 0x3000 }, (_, i) => String.fromCharCode(i)).join("");
  const safe = headerSafe(all, 100_000);
  assert.match(safe, /^[\x20-\x7e]*$/);
  new Headers([["x-halton-meter-warning", safe]]);
  // The id header goes through it too.
  const r = blockResponse("messages", "api.anthropic.com", {
    action: "block",
    source: { kind: "rule", id: "ré\r\nx-evil: 1" },
    message: "m",
  });
  assert.equal(header(r, "x-halton-meter-policy-id"), "rule:r? x-evil: 1");
});

Deno.test("blockEvent: one error event every WebSocket client can read, with the refused event's id", () => {
  const v: Verdict = {
    action: "block",
    source: { kind: "rule", id: "no-gpt5" },
    message: "gpt-5 is not for this project.",
  };
  const e = JSON.parse(blockEvent("responses", "api.openai.com", v, null));
  assert.equal(e.type, "error");
  assert.equal(e.status, 402);
  assert.equal(e.code, "policy_blocked");
  assert.equal(e.message, "gpt-5 is not for this project.");
  assert.deepEqual(e.error, {
    message: "gpt-5 is not for this project.",
    type: "halton_meter_policy",
    param: null,
    code: "policy_blocked",
    event_id: null,
  });
  const rt = JSON.parse(blockEvent("realtime", "api.openai.com", v, "evt_client_9"));
  assert.equal(rt.error.event_id, "evt_client_9");
  assert.equal(BLOCK_CLOSE_CODE, 1008);
});

Deno.test("blockStatus: 402 for every client but Codex CLI, which retries it and stops at 400", () => {
  assert.deepEqual(blockStatus(null), { status: 402, reason: "Payment Required" });
  assert.deepEqual(blockStatus("claude-code"), { status: 402, reason: "Payment Required" });
  assert.deepEqual(blockStatus("codex-cli"), { status: 400, reason: "Bad Request" });
  const r = blockResponse("responses", "api.openai.com", BUDGET, "codex-cli");
  assert.equal(r.status, 400);
  assert.equal((body(r) as { error: { code: string } }).error.code, "budget_exceeded");
  assert.equal(
    JSON.parse(blockEvent("responses", "api.openai.com", BUDGET, null, "codex-cli")).status,
    400,
  );
});
