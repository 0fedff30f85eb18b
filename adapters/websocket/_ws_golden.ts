// Test support (imported by *_test.ts only): loads the recorded WebSocket sessions of
// testdata/<family>/ (`"transport": "websocket"`) and replays them into the session parser
// as messages, as frames cut at every byte, and as permessage-deflate frames (context
// takeover both ways) fragmented and cut at random, checking the calls each time.
import assert from "node:assert/strict";
import type { Usage } from "../../core/mod.ts";
import { exchangeNames, isUsage, seededRandom, splitBytewise, splitRandom } from "../_golden.ts";
import { createWsReader } from "./create_ws_reader.ts";
import { encodeWsFrame } from "./encode_ws_frame.ts";
import { createWsSession, findWsSession } from "./find_ws_session.ts";
import type { WsCall } from "./types.ts";
import { deflateMessages } from "./_test_deflate.ts";

const TESTDATA = new URL("../testdata/", import.meta.url);

export interface WsExchange {
  name: string;
  host: string;
  path: string;
  query: string;
  expectAdapter: { provider: string; endpoint: string };
  expectRequest: Record<string, unknown>;
  /** Each message: who sent it and its text (the event, as JSON, as it goes on the wire). */
  messages: { from: "client" | "server"; text: string }[];
  expected: Usage[];
}

/** What the golden replay ends a session with (the daemon says how it really ended). */
export const GOLDEN_END = {
  type: "session_closed",
  message: "the WebSocket session ended before the response did",
};

export function loadWsExchanges(family: string): WsExchange[] {
  const dir = new URL(`${family}/`, TESTDATA);
  return exchangeNames(family, "websocket").map((name) => {
    const meta = JSON.parse(Deno.readTextFileSync(new URL(`${name}.exchange.json`, dir)));
    const lines = Deno.readTextFileSync(new URL(meta.responseFile, dir)).split("\n")
      .filter((l) => l.trim() !== "").map((l) => JSON.parse(l));
    const expected: unknown = JSON.parse(
      Deno.readTextFileSync(new URL(`${name}.expected.json`, dir)),
    );
    if (!Array.isArray(expected) || !expected.every(isUsage)) {
      throw new Error(`Cannot load exchange: ${family}/${name}.expected.json is not a Usage list`);
    }
    return {
      name,
      host: meta.host,
      path: meta.path,
      query: meta.query,
      expectAdapter: meta.expectAdapter,
      expectRequest: meta.expectRequest,
      messages: lines.filter((l) => "event" in l).map((l) => ({
        from: l.from,
        text: JSON.stringify(l.event),
      })),
      expected,
    };
  });
}

function session(ex: WsExchange) {
  const info = findWsSession(ex.host, ex.path, ex.query);
  assert.ok(info, `${ex.name}: no WebSocket session for ${ex.path}`);
  return createWsSession(info);
}

/** Feeds the messages straight in: message i arrives at time i. */
export function replayMessages(ex: WsExchange): WsCall[] {
  const s = session(ex);
  const calls: WsCall[] = [];
  ex.messages.forEach((m, i) =>
    calls.push(...(m.from === "client" ? s.client : s.server)(m.text, i))
  );
  calls.push(...s.end(ex.messages.length, GOLDEN_END));
  return calls;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Frames the messages (client frames masked), cuts them with `split`, reads them back. */
async function replayFrames(
  ex: WsExchange,
  opts: { deflate: boolean; seed: number; split: (b: Uint8Array) => Uint8Array[] },
): Promise<WsCall[]> {
  const rand = seededRandom(opts.seed);
  const payloads = ex.messages.map((m) => enc.encode(m.text));
  const packedBy = { client: [] as Uint8Array[], server: [] as Uint8Array[] };
  if (opts.deflate) {
    for (const from of ["client", "server"] as const) {
      const mine = payloads.filter((_, i) => ex.messages[i].from === from);
      packedBy[from] = await deflateMessages(mine);
    }
  }
  const next = { client: 0, server: 0 };
  const readers = {
    client: createWsReader({ deflate: opts.deflate }),
    server: createWsReader({ deflate: opts.deflate }),
  };
  const s = session(ex);
  const calls: WsCall[] = [];
  for (let i = 0; i < ex.messages.length; i++) {
    const from = ex.messages[i].from;
    const payload = opts.deflate ? packedBy[from][next[from]++] : payloads[i];
    const mask = from === "client" ? crypto.getRandomValues(new Uint8Array(4)) : undefined;
    // Up to three fragments, with a ping between the first two.
    const cuts = [0, Math.floor(rand() * payload.length), payload.length];
    const frames: Uint8Array[] = [];
    for (let f = 0; f < 2; f++) {
      frames.push(encodeWsFrame({
        opcode: f === 0 ? 1 : 0,
        payload: payload.subarray(cuts[f], cuts[f + 1]),
        fin: f === 1,
        rsv1: f === 0 && opts.deflate,
        mask,
      }));
      if (f === 0) frames.push(encodeWsFrame({ opcode: 9, payload: new Uint8Array(0), mask }));
    }
    for (const frame of frames) {
      for (const piece of opts.split(frame)) {
        for (const e of readers[from].push(piece)) {
          assert.notEqual(e.type, "error", `${ex.name}: ${JSON.stringify(e)}`);
          if (e.type !== "message" || e.data === null) continue;
          calls.push(...(from === "client" ? s.client : s.server)(dec.decode(e.data), i));
        }
      }
    }
  }
  calls.push(...s.end(ex.messages.length, GOLDEN_END));
  return calls;
}

function check(ex: WsExchange, calls: WsCall[], how: string): void {
  assert.deepEqual(calls.map((c) => c.usage), ex.expected, `${ex.name}: ${how}`);
  for (const c of calls) {
    assert.ok(c.startedAt <= (c.firstEventAt ?? c.endedAt) && c.endedAt >= c.startedAt, how);
  }
}

/** One Deno.test per family; one step per recorded session. */
export function registerWsGoldenTests(family: string): void {
  Deno.test(`golden WebSocket sessions: ${family}`, async (t) => {
    const exchanges = loadWsExchanges(family);
    assert.ok(exchanges.length > 0, `no WebSocket sessions in testdata/${family}`);
    for (const ex of exchanges) {
      await t.step(ex.name, async () => {
        const info = findWsSession(ex.host, ex.path, ex.query);
        assert.deepEqual(
          { provider: info?.provider, endpoint: info?.endpoint },
          ex.expectAdapter,
        );
        if ("model" in ex.expectRequest) assert.equal(info?.model, ex.expectRequest["model"]);
        check(ex, replayMessages(ex), "messages");
        check(
          ex,
          await replayFrames(ex, { deflate: false, seed: 1, split: splitBytewise }),
          "frames, bytewise",
        );
        for (const seed of [1, 2, 42]) {
          const split = (b: Uint8Array) => splitRandom(b, seed);
          check(ex, await replayFrames(ex, { deflate: true, seed, split }), `deflate, ${seed}`);
        }
      });
    }
  });
}
