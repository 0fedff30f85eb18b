import assert from "node:assert/strict";
import { answerSelfTest, type SelfTestSocket } from "./answer_self_test.ts";
import type { ExchangeEndInfo, RequestInfo } from "./types.ts";

function fakeSocket() {
  const listeners: ((chunk: Uint8Array) => void)[] = [];
  const sock = {
    written: "",
    destroyed: false,
    on(event: string, fn: (x: never) => void) {
      if (event === "data") listeners.push(fn as (chunk: Uint8Array) => void);
    },
    off(_event: string, fn: (chunk: Uint8Array) => void) {
      listeners.splice(listeners.indexOf(fn), 1);
    },
    end(data: Uint8Array, cb?: () => void) {
      sock.written += new TextDecoder().decode(data);
      cb?.();
    },
    destroy() {
      sock.destroyed = true;
    },
    send(text: string) {
      for (const fn of [...listeners]) fn(new TextEncoder().encode(text));
    },
    listeners,
  };
  return sock;
}

const guard = (_what: string, fn: () => void) => fn();

Deno.test("answerSelfTest answers the reserved host and drives the observer like a call", () => {
  const sock = fakeSocket();
  const seen: string[] = [];
  let start: RequestInfo | null = null;
  let end: ExchangeEndInfo | null = null;
  const taken = answerSelfTest(
    sock as unknown as SelfTestSocket,
    {
      host: "SelfTest.Halton-Meter.invalid.",
      port: 443,
      proxyAuthorization: "Basic cHJvajo=",
      connection: { client: null },
    },
    (info) => {
      start = info;
      return {
        onRequestEnd: () => seen.push("request-end"),
        onResponseHead: (h) => seen.push(`head ${h.status}`),
        onResponseBody: (b) => seen.push(`body ${new TextDecoder().decode(b)}`),
        onEnd: (info) => {
          end = info;
          seen.push("end");
        },
      };
    },
    () => 1000,
    guard,
  );
  assert.equal(taken, true);
  // The head may arrive in pieces.
  sock.send("GET /selftest?x=1 HTTP/1.1\r\nHost: selftest.halton-meter.invalid\r\n");
  assert.equal(sock.written, "");
  sock.send("x-halton-meter-self-test: nonce-1\r\nConnection: close\r\n\r\n");
  assert.match(sock.written, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(sock.written, /\r\nconnection: close\r\n/);
  const body = JSON.parse(sock.written.slice(sock.written.indexOf("\r\n\r\n") + 4));
  assert.equal(body.nonce, "nonce-1");
  assert.equal(start!.host, "selftest.halton-meter.invalid");
  assert.equal(start!.path, "/selftest");
  assert.equal(start!.query, "x=1");
  assert.equal(start!.proxyAuthorization, "Basic cHJvajo=");
  assert.equal(seen[0], "request-end");
  assert.equal(seen[1], "head 200");
  assert.match(seen[2], /^body \{"ok":true/);
  assert.equal(seen[3], "end");
  assert.equal(end!.status, 200);
  assert.equal(sock.listeners.length, 0);
});

Deno.test("answerSelfTest marks the row as a self-test even without the header; other hosts untouched", () => {
  const sock = fakeSocket();
  let headers: Headers | null = null;
  answerSelfTest(
    sock as unknown as SelfTestSocket,
    {
      host: "selftest.halton-meter.invalid",
      port: 443,
      proxyAuthorization: null,
      connection: { client: null },
    },
    (info) => void (headers = info.headers),
    () => 0,
    guard,
  );
  sock.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  assert.equal(headers!.get("x-halton-meter-self-test"), "1");

  const other = fakeSocket();
  const taken = answerSelfTest(
    other as unknown as SelfTestSocket,
    {
      host: "api.anthropic.com",
      port: 443,
      proxyAuthorization: null,
      connection: { client: null },
    },
    () => assert.fail("no observer for other hosts"),
    () => 0,
    guard,
  );
  assert.equal(taken, false);
  assert.equal(other.listeners.length, 0);
});

Deno.test("answerSelfTest drops a connection whose head never ends", () => {
  const sock = fakeSocket();
  answerSelfTest(
    sock as unknown as SelfTestSocket,
    {
      host: "selftest.halton-meter.invalid",
      port: 443,
      proxyAuthorization: null,
      connection: { client: null },
    },
    undefined,
    () => 0,
    guard,
  );
  sock.send("GET / HTTP/1.1\r\n" + "x: y\r\n".repeat(4000));
  assert.equal(sock.destroyed, true);
  assert.equal(sock.written, "");
});
