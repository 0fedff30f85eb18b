import assert from "node:assert/strict";
import { MAX_PROXY_HEAD_BYTES, parseProxyHead, splitHostPort } from "./parse_proxy_head.ts";

const enc = (s: string) => new TextEncoder().encode(s);

Deno.test("parseProxyHead: CONNECT with proxy auth and early bytes", () => {
  const head = parseProxyHead(
    enc(
      "CONNECT API.Anthropic.com:443 HTTP/1.1\r\nHost: x\r\nProxy-Authorization: Basic abc\r\n\r\n\x16\x03",
    ),
  );
  assert.equal(head.kind, "connect");
  if (head.kind !== "connect") return;
  assert.equal(head.host, "api.anthropic.com");
  assert.equal(head.port, 443);
  assert.equal(head.proxyAuthorization, "Basic abc");
  assert.deepEqual([...head.rest], [0x16, 0x03]);
});

Deno.test("parseProxyHead: incomplete until the blank line, fed at any split", () => {
  const full = enc("CONNECT a.b:443 HTTP/1.1\r\nHost: a.b:443\r\n\r\n");
  for (let i = 0; i < full.length; i++) {
    assert.equal(parseProxyHead(full.subarray(0, i)).kind, "incomplete", `split at ${i}`);
  }
  assert.equal(parseProxyHead(full).kind, "connect");
});

Deno.test("parseProxyHead: origin form, IPv6, malformed, oversized", () => {
  assert.deepEqual(parseProxyHead(enc("GET /health HTTP/1.1\r\n\r\n")), {
    kind: "origin",
    method: "GET",
    path: "/health",
  });
  assert.deepEqual(splitHostPort("[::1]:8443"), { host: "::1", port: 8443 });
  assert.equal(splitHostPort("a.b:0"), null);
  assert.equal(splitHostPort("a.b"), null);
  for (const bad of ["CONNECT a.b HTTP/1.1", "hello", "CONNECT a.b:443 HTTP/1.1\r\nno colon"]) {
    const h = parseProxyHead(enc(bad + "\r\n\r\n"));
    assert.equal(h.kind === "error" && h.status, 400, bad);
  }
  const big = parseProxyHead(new Uint8Array(MAX_PROXY_HEAD_BYTES + 1).fill(0x61));
  assert.equal(big.kind === "error" && big.status, 431);
});

Deno.test("parseProxyHead: the edge's X-Halton-Meter-Client names the client connection", () => {
  const client = (headers: string) => {
    const head = parseProxyHead(enc(`CONNECT a.b:443 HTTP/1.1\r\n${headers}\r\n`));
    assert.equal(head.kind, "connect", headers);
    return head.kind === "connect" ? head.client : undefined;
  };
  assert.deepEqual(client("X-Halton-Meter-Client: 51234 8081\r\n"), {
    port: 51234,
    serverPort: 8081,
  });
  assert.deepEqual(client("x-halton-meter-client:1 65535\r\n"), { port: 1, serverPort: 65535 });
  assert.equal(client("Host: a.b\r\n"), null);
  // Malformed or repeated: ignored, never an error.
  for (
    const bad of [
      "0 8081",
      "51234 65536",
      "51234",
      "51234 8081 1",
      "51234  8081",
      "-1 8081",
      "0x10 8081",
      "123456 8081",
      "",
      "51234 8081\r\nX-Halton-Meter-Client: 51234 8081",
    ]
  ) {
    assert.equal(client(`X-Halton-Meter-Client: ${bad}\r\n`), null, JSON.stringify(bad));
  }
});
