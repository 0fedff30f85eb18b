import assert from "node:assert/strict";
import { createClientParser, parseObject } from "./_parse_message.ts";
import { createRealtimeWsSession } from "./create_realtime_ws_session.ts";
import { createResponsesWsSession } from "./create_responses_ws_session.ts";

/** Runs `fn` counting JSON.parse calls. */
function countingParses<T>(fn: () => T): { value: T; parses: number } {
  const real = JSON.parse;
  let parses = 0;
  JSON.parse = ((text: string, reviver?: Parameters<typeof JSON.parse>[1]) => {
    parses++;
    return real(text, reviver);
  }) as typeof JSON.parse;
  try {
    return { value: fn(), parses };
  } finally {
    JSON.parse = real;
  }
}

Deno.test("parseObject: objects only; anything else is null", () => {
  assert.deepEqual(parseObject('{"type":"x"}'), { type: "x" });
  for (const t of ["[1]", "3", '"s"', "null", "{", ""]) assert.equal(parseObject(t), null, t);
});

Deno.test("client parser: a peeked message is parsed once, then forgotten when taken", () => {
  const p = createClientParser();
  const a = JSON.stringify({ type: "response.create", input: "x".repeat(1000) });
  const b = JSON.stringify({ type: "session.update" });
  const r = countingParses(() => {
    const peeked = p.peek(a);
    const taken = p.take(a);
    return { same: peeked === taken, type: taken?.type };
  });
  assert.deepEqual(r.value, { same: true, type: "response.create" });
  assert.equal(r.parses, 1);
  // Taken: the next peek of the same text parses again (nothing held in between).
  assert.equal(countingParses(() => p.peek(a)).parses, 1);
  // A different message is never answered from the remembered one.
  const other = countingParses(() => p.take(b));
  assert.equal(other.value?.type, "session.update");
  assert.equal(other.parses, 1);
  // Not JSON: null, and remembered as such.
  assert.equal(countingParses(() => [p.peek("{"), p.take("{")]).parses, 1);
});

for (
  const [name, make] of [
    ["responses", () => createResponsesWsSession()],
    ["realtime", () => createRealtimeWsSession("gpt-realtime")],
  ] as const
) {
  Deno.test(`${name} session: peek then client parse a call-starting message once`, () => {
    const s = make();
    const msg = JSON.stringify({
      type: "response.create",
      model: "gpt-5",
      event_id: "evt_1",
      input: [{ role: "user", content: "hi ".repeat(5000) }],
    });
    const r = countingParses(() => {
      const asks = s.peek(msg);
      s.client(msg, 1, 7);
      return asks;
    });
    assert.equal(r.value.startsCall, true);
    assert.equal(r.parses, 1, "the decision's peek and the session's read share one parse");
    // Unpeeked client messages are parsed once too, and a different one is read afresh.
    const other = JSON.stringify({ type: "response.create", model: "gpt-5-mini" });
    assert.equal(countingParses(() => s.client(other, 2)).parses, 1);
  });
}
