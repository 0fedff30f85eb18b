import assert from "node:assert/strict";
import { headerValue, MAX_HEAD_BYTES, parseRequestHead } from "./parse_request_head.ts";

const enc = (s: string) => new TextEncoder().encode(s);

Deno.test("parses a CONNECT head and reports where the tunnel bytes start", () => {
  const raw = "CONNECT api.anthropic.com:443 HTTP/1.1\r\nHost: api.anthropic.com:443\r\n" +
    "Proxy-Authorization: Basic bXlwcm9qOg==\r\n\r\n\x16\x03\x01";
  const r = parseRequestHead(enc(raw));
  assert.equal(r.kind, "request");
  if (r.kind !== "request") return;
  assert.equal(r.head.method, "CONNECT");
  assert.equal(r.head.target, "api.anthropic.com:443");
  assert.equal(r.head.version, "HTTP/1.1");
  assert.equal(headerValue(r.head, "proxy-authorization"), "Basic bXlwcm9qOg==");
  assert.equal(r.head.headLength, raw.length - 3);
});

Deno.test("accepts bare LF line endings and leading blank lines", () => {
  const r = parseRequestHead(enc("\r\nGET http://example.com/ HTTP/1.0\nHost: example.com\n\n"));
  assert.equal(r.kind, "request");
});

Deno.test("every proper prefix of a valid head is incomplete", () => {
  const raw = enc("CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\nX: y\r\n\r\n");
  for (let i = 0; i < raw.length; i++) {
    const r = parseRequestHead(raw.subarray(0, i));
    assert.equal(r.kind, "incomplete", `prefix ${i}`);
  }
  assert.equal(parseRequestHead(raw).kind, "request");
});

Deno.test("classifies malformed heads", () => {
  const cases: Array<[string, number, RegExp]> = [
    ["GARBAGE\r\n\r\n", 400, /request line/],
    ["GET  / HTTP/1.1\r\n\r\n", 400, /request line/],
    ["G(T / HTTP/1.1\r\n\r\n", 400, /method/],
    ["GET / HTTP/9\r\n\r\n", 400, /version/],
    ["PRI * HTTP/2.0\r\n\r\n", 505, /HTTP\/2/],
    ["GET / HTTP/1.1\r\nNoColon\r\n\r\n", 400, /header line/],
    ["GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", 400, /header name/],
    ["GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", 400, /folding/],
    ["GET / HTTP/1.1\r\nA: b\x01c\r\n\r\n", 400, /control/],
    ["\x16\x03\x01\x02\x00", 400, /TLS/],
  ];
  for (const [raw, status, reason] of cases) {
    const r = parseRequestHead(enc(raw));
    assert.equal(r.kind, "error", JSON.stringify(raw));
    if (r.kind === "error") {
      assert.equal(r.status, status, JSON.stringify(raw));
      assert.match(r.reason, reason);
    }
  }
});

Deno.test("header block over the limit is 431, at the limit is fine", () => {
  const line = "CONNECT a.example:443 HTTP/1.1\r\n";
  const pad = (n: number) => `X-Pad: ${"a".repeat(n)}\r\n`;
  const atLimit = line + pad(MAX_HEAD_BYTES - line.length - 11) + "\r\n";
  assert.equal(enc(atLimit).length, MAX_HEAD_BYTES);
  assert.equal(parseRequestHead(enc(atLimit)).kind, "request");
  const over = line + pad(MAX_HEAD_BYTES) + "\r\n";
  const r = parseRequestHead(enc(over));
  assert.equal(r.kind, "error");
  if (r.kind === "error") assert.equal(r.status, 431);
  // Still incomplete but already too long: 431 without waiting for the end.
  const endless = parseRequestHead(enc(line + "X: " + "b".repeat(MAX_HEAD_BYTES)));
  assert.equal(endless.kind, "error");
});

function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s;
  };
}

Deno.test("random and mutated byte sequences never throw and are always classified", () => {
  const seeds = [1, 2, 3, 42, 1337];
  const base = enc(
    "CONNECT api.openai.com:443 HTTP/1.1\r\nHost: api.openai.com:443\r\nUser-Agent: t\r\n\r\n",
  );
  for (const seed of seeds) {
    const rnd = prng(seed);
    for (let i = 0; i < 2000; i++) {
      let buf: Uint8Array;
      if (i % 2 === 0) {
        buf = new Uint8Array(rnd() % 300);
        for (let j = 0; j < buf.length; j++) buf[j] = rnd() & 0xff;
      } else {
        buf = base.slice(0, rnd() % (base.length + 1));
        const flips = rnd() % 4;
        for (let f = 0; f < flips && buf.length > 0; f++) buf[rnd() % buf.length] = rnd() & 0xff;
      }
      const r = parseRequestHead(buf);
      assert.ok(["incomplete", "request", "error"].includes(r.kind));
      if (r.kind === "request") assert.ok(r.head.headLength <= buf.length);
      if (r.kind === "error") assert.ok([400, 431, 505].includes(r.status));
    }
  }
});
