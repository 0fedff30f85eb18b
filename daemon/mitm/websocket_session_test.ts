/**
 * WebSocket sessions through the engine, against a TLS upstream that speaks raw frames: bytes
 * forwarded unchanged both ways (compressed, fragmented, with control frames), the observer
 * told each message, either side's close closing the other, and a blocked message held back
 * and answered with an error event and a close frame.
 */
import assert from "node:assert/strict";
import { closePayload, createWsReader, encodeWsFrame, type WsEvent } from "../../adapters/mod.ts";
import { deflateMessages } from "../../adapters/websocket/_test_deflate.ts";
import { createMitmServer } from "./create_mitm_server.ts";
import type { ExchangeEndInfo, ExchangeObserver, WsDecision, WsMessageInfo } from "./types.ts";
import { makeTestPki } from "./_test_certs.ts";
import { concatAll } from "./_exchange_io.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const MASK = new Uint8Array([1, 2, 3, 4]);

/** A connection that records what it reads; `wait` resolves once `pred` holds. */
class Peer {
  got: Uint8Array = new Uint8Array(0);
  closed = false;
  #wake: (() => void) | null = null;
  constructor(readonly conn: Deno.Conn) {
    (async () => {
      const b = new Uint8Array(65536);
      try {
        for (let n = await conn.read(b); n !== null; n = await conn.read(b)) {
          this.got = concatAll([this.got, b.slice(0, n)]);
          this.#wake?.();
        }
      } catch { /* reset */ }
      this.closed = true;
      this.#wake?.();
    })();
  }
  async wait(pred: () => boolean, what: string, ms = 3000): Promise<void> {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((r) => {
        this.#wake = r;
        setTimeout(r, 50);
      });
    }
  }
  write(b: Uint8Array) {
    return this.conn.write(b);
  }
  close() {
    try {
      this.conn.close();
    } catch { /* closed */ }
  }
}

const headEnd = (b: Uint8Array) => dec.decode(b).indexOf("\r\n\r\n") + 4;

Deno.test("websocket sessions through the engine", async (t) => {
  const pki = await makeTestPki(["api.openai.com"]);
  const listener = Deno.listenTls({ hostname: "127.0.0.1", port: 0, ...pkiCert(pki) });
  const uppers: Peer[] = [];
  let deflate = false;
  (async () => {
    for await (const c of listener) {
      const p = new Peer(c);
      uppers.push(p);
      p.wait(() => headEnd(p.got) > 3, "upgrade head").then(() =>
        p.write(enc.encode(
          "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            (deflate ? "Sec-WebSocket-Extensions: permessage-deflate\r\n" : "") + "\r\n",
        ))
      ).catch(() => {});
    }
  })().catch(() => {});

  const messages: WsMessageInfo[] = [];
  const ends: ExchangeEndInfo[] = [];
  let decideWs: ((m: WsMessageInfo) => WsDecision | Promise<WsDecision>) | null = null;
  const mitm = createMitmServer({
    shouldIntercept: () => true,
    getCertificate: () => Promise.resolve({ certPem: pki.certPem, keyPem: pki.keyPem }),
    resolve: () => ({ host: "127.0.0.1", port: listener.addr.port }),
    upstreamCa: [pki.caPem],
    health: () => ({ status: "ok" }),
    onCall: () => {
      const o: ExchangeObserver = {
        onWsMessage: (m) => messages.push(m),
        onEnd: (e) => ends.push(e),
      };
      if (decideWs) o.decideWsMessage = decideWs;
      return o;
    },
  });
  const { port } = await mitm.listen(0);

  const open = async () => {
    const tcp = await Deno.connect({ hostname: "127.0.0.1", port });
    await tcp.write(enc.encode("CONNECT api.openai.com:443 HTTP/1.1\r\n\r\n"));
    await tcp.read(new Uint8Array(1024));
    const client = new Peer(
      await Deno.startTls(tcp, {
        hostname: "api.openai.com",
        caCerts: [pki.caPem],
      }),
    );
    await client.write(enc.encode(
      "GET /v1/responses HTTP/1.1\r\nHost: api.openai.com\r\nConnection: Upgrade\r\n" +
        "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==\r\n\r\n",
    ));
    await client.wait(() => headEnd(client.got) > 3, "101");
    assert.match(dec.decode(client.got), /^HTTP\/1\.1 101 /);
    const upstream = uppers.at(-1) as Peer;
    return { client, upstream, clientHead: headEnd(client.got), upHead: headEnd(upstream.got) };
  };
  const texts = (from: string) =>
    messages.filter((m) => m.from === from).map((m) => m.text ?? `<${m.error}>`);

  try {
    await t.step(
      "bytes pass unchanged both ways; the observer reads them (deflated, fragmented)",
      async () => {
        deflate = true;
        messages.length = 0;
        const s = await open();
        const asks = ['{"type":"response.create","model":"gpt-5"}', '{"type":"response.create"}'];
        const packedUp = await deflateMessages(asks.map((a) => enc.encode(a)));
        const up = concatAll([
          encodeWsFrame({
            opcode: 1,
            payload: packedUp[0].subarray(0, 3),
            rsv1: true,
            fin: false,
            mask: MASK,
          }),
          encodeWsFrame({ opcode: 9, payload: enc.encode("p"), mask: MASK }),
          encodeWsFrame({ opcode: 0, payload: packedUp[0].subarray(3), mask: MASK }),
          encodeWsFrame({ opcode: 1, payload: packedUp[1], rsv1: true, mask: MASK }),
        ]);
        const events = ['{"type":"response.created"}', '{"type":"response.completed"}'];
        const packedDown = await deflateMessages(events.map((e) => enc.encode(e)));
        const down = concatAll(
          packedDown.map((p) => encodeWsFrame({ opcode: 1, payload: p, rsv1: true })),
        );
        for (let i = 0; i < up.length; i += 7) await s.client.write(up.subarray(i, i + 7));
        await s.upstream.write(down);
        await s.upstream.wait(() => s.upstream.got.length >= s.upHead + up.length, "client bytes");
        await s.client.wait(
          () => s.client.got.length >= s.clientHead + down.length,
          "server bytes",
        );
        assert.deepEqual(s.upstream.got.subarray(s.upHead), up);
        assert.deepEqual(s.client.got.subarray(s.clientHead), down);
        assert.deepEqual(texts("client"), asks);
        assert.deepEqual(texts("server"), events);
        s.client.close();
        await s.upstream.wait(() => s.upstream.closed, "upstream closed after the client left");
        deflate = false;
      },
    );

    await t.step("the client leaving closes the upstream; the session's end says so", async () => {
      const before = ends.length;
      const s = await open();
      await s.client.write(
        encodeWsFrame({ opcode: 8, payload: closePayload(1000, ""), mask: MASK }),
      );
      s.client.close();
      await s.upstream.wait(() => s.upstream.closed, "upstream closed");
      await waitFor(() => ends.length > before, "onEnd");
      const e = ends.at(-1) as ExchangeEndInfo;
      assert.equal(e.status, 101);
      assert.deepEqual(e.session, { closedBy: "client" });
      assert.equal(e.error, undefined);
      assert.ok(e.bytesUp >= 8);
    });

    await t.step("the upstream leaving closes the client", async () => {
      const before = ends.length;
      const s = await open();
      await s.upstream.write(encodeWsFrame({ opcode: 8, payload: closePayload(1011, "bye") }));
      s.upstream.close();
      await s.client.wait(() => s.client.closed, "client closed");
      await waitFor(() => ends.length > before, "onEnd");
      assert.deepEqual(ends.at(-1)?.session, { closedBy: "server" });
    });

    await t.step(
      "a blocked message is not forwarded: error event and close frame, session over",
      async () => {
        const before = ends.length;
        decideWs = (m) =>
          m.text?.includes("gpt-blocked")
            ? {
              action: "block",
              messages: ['{"type":"error","status":402}'],
              close: { code: 1008, reason: "blocked" },
            }
            : { action: "allow" };
        const s = await open();
        const ok = encodeWsFrame({
          opcode: 1,
          payload: enc.encode('{"model":"gpt-ok"}'),
          mask: MASK,
        });
        const ping = encodeWsFrame({ opcode: 9, payload: new Uint8Array(0), mask: MASK });
        const first = encodeWsFrame({
          opcode: 1,
          payload: enc.encode('{"model":'),
          fin: false,
          mask: MASK,
        });
        const last = encodeWsFrame({
          opcode: 0,
          payload: enc.encode('"gpt-blocked"}'),
          mask: MASK,
        });
        await s.client.write(concatAll([ok, ping]));
        await s.upstream.wait(
          () => s.upstream.got.length >= s.upHead + ok.length + ping.length,
          "allowed",
        );
        await s.client.write(first);
        await new Promise((r) => setTimeout(r, 100));
        assert.equal(
          s.upstream.got.length,
          s.upHead + ok.length + ping.length,
          "a partial message waits",
        );
        await s.client.write(last);
        await s.client.wait(() => s.client.closed, "client closed");
        await s.upstream.wait(() => s.upstream.closed, "upstream closed");
        assert.equal(s.upstream.got.length, s.upHead + ok.length + ping.length, "never forwarded");
        const r = createWsReader({ deflate: false });
        const got: WsEvent[] = r.push(s.client.got.subarray(s.clientHead));
        assert.deepEqual(got.map((e) => e.type), ["message", "close"]);
        assert.equal(
          got[0].type === "message" && dec.decode(got[0].data ?? undefined),
          '{"type":"error","status":402}',
        );
        assert.equal(got[1].type === "close" && got[1].code, 1008);
        await waitFor(() => ends.length > before, "onEnd");
        assert.deepEqual(ends.at(-1)?.session, { closedBy: "policy" });
        decideWs = null;
      },
    );
  } finally {
    await mitm.close(100);
    listener.close();
    for (const u of uppers) u.close();
  }
});

async function waitFor(pred: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 3000;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function pkiCert(pki: { certPem: string; keyPem: string }) {
  return { cert: pki.certPem, key: pki.keyPem };
}
