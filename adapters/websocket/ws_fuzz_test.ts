import assert from "node:assert/strict";
import { seededRandom } from "../_golden.ts";
import { createWsReader } from "./create_ws_reader.ts";
import { GOLDEN_END, loadWsExchanges } from "./_ws_golden.ts";
import { createWsSession, findWsSession } from "./find_ws_session.ts";

Deno.test("ws fuzz: random bytes never make a reader throw", () => {
  const rand = seededRandom(6455);
  for (let i = 0; i < 400; i++) {
    const r = createWsReader({ deflate: rand() < 0.5, maxMessageBytes: 4096 });
    for (let k = 0; k < 8; k++) {
      const bytes = new Uint8Array(Math.floor(rand() * 300)).map(() => Math.floor(rand() * 256));
      for (const e of r.push(bytes)) {
        if (e.type === "message") assert.ok(e.end >= e.start);
      }
    }
  }
});

Deno.test("ws fuzz: cut, corrupted and shuffled sessions never throw; calls stay well formed", () => {
  const rand = seededRandom(7692);
  for (const family of ["openai_responses", "openai_realtime"]) {
    for (const ex of loadWsExchanges(family)) {
      for (let round = 0; round < 20; round++) {
        const info = findWsSession(ex.host, ex.path, ex.query);
        assert.ok(info);
        const s = createWsSession(info);
        const calls = [];
        const cut = Math.floor(rand() * (ex.messages.length + 1));
        for (let i = 0; i < cut; i++) {
          const m = ex.messages[rand() < 0.9 ? i : Math.floor(rand() * ex.messages.length)];
          let text = m.text;
          if (rand() < 0.2) {
            const at = Math.floor(rand() * text.length);
            text = text.slice(0, at) + String.fromCharCode(Math.floor(rand() * 128)) +
              text.slice(at + 1);
          }
          s.peek(text);
          calls.push(...(m.from === "client" ? s.client(text, i) : s.server(text, i)));
        }
        calls.push(...s.end(cut, GOLDEN_END));
        for (const c of calls) {
          assert.ok(["complete", "incomplete", "none"].includes(c.usage.completeness));
          assert.ok(c.endedAt >= c.startedAt);
        }
      }
    }
  }
});
