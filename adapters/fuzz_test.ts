import assert from "node:assert/strict";
import { emptyUsage, type Usage } from "../core/mod.ts";
import { type Exchange, loadExchanges, seededRandom, splitRandom } from "./_golden.ts";
import { findAdapter } from "./find_adapter.ts";

// Every testdata folder, each replayed by a golden test file beside its module.
const FAMILIES = [
  "anthropic",
  "azure",
  "deepseek",
  "fireworks",
  "gemini",
  "groq",
  "mistral",
  "openai_chat",
  "openai_realtime", // WebSocket sessions only: websocket/ws_fuzz_test.ts
  "openai_responses",
  "openrouter",
  "together",
  "xai",
];

const ALPHABET = new TextEncoder().encode(' {}[]":,\n\rdata:event\\é');
const USAGE_KEYS = Object.keys(emptyUsage()).sort();

function assertWellFormed(u: Usage, label: string): void {
  assert.deepEqual(Object.keys(u).sort(), USAGE_KEYS, label);
  assert.ok(["complete", "incomplete", "none"].includes(u.completeness), label);
  for (const key of USAGE_KEYS) {
    const v = u[key as keyof Usage];
    assert.ok(
      v === null || typeof v === "string" || (typeof v === "number" && Number.isFinite(v)),
      `${label}: ${key}`,
    );
  }
}

function replay(ex: Exchange, body: Uint8Array, seed: number): Usage {
  const adapter = findAdapter(ex.host, ex.path);
  const p = adapter.createResponseParser({
    status: ex.status,
    headers: new Headers(ex.responseHeaders),
    request: adapter.parseRequest(ex.request, {
      path: ex.path,
      query: ex.query,
      headers: new Headers(),
    }),
  });
  for (const c of splitRandom(body, seed)) p.push(c);
  return p.finish();
}

Deno.test("every testdata folder has golden coverage", () => {
  const dirs = [...Deno.readDirSync(new URL("./testdata/", import.meta.url))]
    .filter((e) => e.isDirectory)
    .map((e) => e.name)
    .sort();
  assert.deepEqual(dirs, FAMILIES);
});

Deno.test("fuzz: truncated and corrupted recorded bodies never throw and give a Usage", () => {
  const rand = seededRandom(20251123);
  for (const family of FAMILIES) {
    for (const ex of loadExchanges(family)) {
      for (let i = 0; i < 12; i++) {
        const cut = Math.floor(rand() * (ex.response.length + 1));
        const truncated = ex.response.slice(0, cut);
        const u = replay(ex, truncated, i);
        assertWellFormed(u, `${family}/${ex.name} cut ${cut}`);
        // A cut body must never claim more than the whole one did.
        if (ex.expected.completeness !== "complete") assert.notEqual(u.completeness, "complete");

        const corrupted = ex.response.slice();
        for (let k = 0; k < 1 + Math.floor(rand() * 4); k++) {
          corrupted[Math.floor(rand() * corrupted.length)] = Math.floor(rand() * 256);
        }
        assertWellFormed(replay(ex, corrupted, i + 100), `${family}/${ex.name} corrupted`);
      }
    }
  }
});

Deno.test("fuzz: random bytes to every adapter kind never throw", () => {
  const rand = seededRandom(7);
  const targets: [string, string][] = [
    ["api.anthropic.com", "/v1/messages"],
    ["api.anthropic.com", "/v1/messages/count_tokens"],
    ["api.openai.com", "/v1/chat/completions"],
    ["api.openai.com", "/v1/responses"],
    ["api.groq.com", "/openai/v1/chat/completions"],
    ["generativelanguage.googleapis.com", "/v1beta/models/g:streamGenerateContent"],
    ["api.openai.com", "/v1/files"],
  ];
  const prefixes = ["", "data: ", "event: message_start\ndata: {", "[{", '{"usage":', "\uFEFF"];
  for (const [host, path] of targets) {
    const adapter = findAdapter(host, path);
    for (const contentType of ["text/event-stream", "application/json", ""]) {
      for (const status of [200, 429]) {
        for (const prefix of prefixes) {
          const body = new Uint8Array(64 + Math.floor(rand() * 512));
          for (let i = 0; i < body.length; i++) body[i] = Math.floor(rand() * 256);
          // Mostly text-like bytes so the SSE and JSON paths get exercised, not just rejected.
          for (let i = 0; i < body.length; i++) {
            if (rand() < 0.7) body[i] = ALPHABET[Math.floor(rand() * ALPHABET.length)];
          }
          const full = new Uint8Array([...new TextEncoder().encode(prefix), ...body]);
          const p = adapter.createResponseParser({
            status,
            headers: new Headers(contentType === "" ? {} : { "content-type": contentType }),
            request: adapter.parseRequest(full, { path, query: "", headers: new Headers() }),
          });
          for (const c of splitRandom(full, Math.floor(rand() * 1000))) p.push(c);
          assertWellFormed(p.finish(), `${host}${path} ${contentType} ${status}`);
        }
      }
    }
  }
});
