import assert from "node:assert/strict";
import { MAX_HEAD_BYTES, parseRequestHead } from "./parse_request_head.ts";
import { rewriteChainHead } from "./rewrite_chain_head.ts";

const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const dec = (b: Uint8Array) => new TextDecoder("latin1").decode(b);
const client = { port: 51234, serverPort: 8081 };

Deno.test("rewriteChainHead: adds the client header before the blank line, the rest byte-identical", () => {
  const head = "CONNECT api.anthropic.com:443 HTTP/1.1\r\nHost: api.anthropic.com:443\r\n" +
    "Proxy-Authorization: Basic bXlwcm9qZWN0Og==\r\nUser-Agent: curl/8.5.0\r\n\r\n";
  assert.equal(
    dec(rewriteChainHead(enc(head), client)),
    head.slice(0, -2) + "X-Halton-Meter-Client: 51234 8081\r\n\r\n",
  );
  // Just a request line.
  assert.equal(
    dec(rewriteChainHead(enc("CONNECT a.b:443 HTTP/1.1\r\n\r\n"), client)),
    "CONNECT a.b:443 HTTP/1.1\r\nX-Halton-Meter-Client: 51234 8081\r\n\r\n",
  );
  // Obs-text and odd spacing in other headers survive untouched.
  const odd =
    "CONNECT a.b:443 HTTP/1.1\r\nX-Odd:\t caf\xe9  \r\nx-halton-meter-clientele: keep\r\n\r\n";
  assert.equal(
    dec(rewriteChainHead(enc(odd), client)),
    odd.slice(0, -2) + "X-Halton-Meter-Client: 51234 8081\r\n\r\n",
  );
});

Deno.test("rewriteChainHead: a client's own copies are dropped, whatever their case or count", () => {
  const head = "CONNECT a.b:443 HTTP/1.1\r\nX-Halton-Meter-Client: 1 2\r\nHost: a.b\r\n" +
    "x-halton-meter-client: 3 4\r\nX-HALTON-METER-CLIENT:5 6\r\nx-halTon-meter-client \t: 7 8\r\n" +
    "Proxy-Authorization: Basic abc\r\nX-Halton-Meter-Client:\r\n\r\n";
  assert.equal(
    dec(rewriteChainHead(enc(head), client)),
    "CONNECT a.b:443 HTTP/1.1\r\nHost: a.b\r\nProxy-Authorization: Basic abc\r\n" +
      "X-Halton-Meter-Client: 51234 8081\r\n\r\n",
  );
  // Without the client's ports the header is only removed.
  assert.equal(
    dec(rewriteChainHead(enc(head), null)),
    "CONNECT a.b:443 HTTP/1.1\r\nHost: a.b\r\nProxy-Authorization: Basic abc\r\n\r\n",
  );
  // A request line that merely mentions the name is not a header.
  const line = "CONNECT x-halton-meter-client:443 HTTP/1.1\r\n\r\n";
  assert.equal(
    dec(rewriteChainHead(enc(line), null)),
    line,
  );
});

Deno.test("rewriteChainHead: lenient line endings and leading empty lines are kept as sent", () => {
  assert.equal(
    dec(
      rewriteChainHead(
        enc("\r\nCONNECT a.b:443 HTTP/1.1\nHost: a.b\nX-Halton-Meter-Client: 9 9\n\n"),
        client,
      ),
    ),
    "\r\nCONNECT a.b:443 HTTP/1.1\nHost: a.b\nX-Halton-Meter-Client: 51234 8081\n\n",
  );
  // The result still parses, with one client header: ours.
  const out = rewriteChainHead(
    enc("CONNECT a.b:443 HTTP/1.1\r\nx-halton-meter-client: 1 1\r\n\r\n"),
    client,
  );
  const parsed = parseRequestHead(out);
  assert.equal(parsed.kind, "request");
  if (parsed.kind !== "request") return;
  assert.deepEqual(parsed.head.headers, [["X-Halton-Meter-Client", "51234 8081"]]);
  assert.equal(parsed.head.headLength, out.length);
});

Deno.test("rewriteChainHead: a head near the limit gets no header rather than one the daemon refuses", () => {
  const base = "CONNECT a.b:443 HTTP/1.1\r\nX-Pad: ";
  const pad = "a".repeat(MAX_HEAD_BYTES - base.length - 4 - 10);
  const head = enc(`${base}${pad}\r\n\r\n`);
  assert.equal(head.length, MAX_HEAD_BYTES - 10);
  assert.equal(rewriteChainHead(head, client), head, "unchanged: ours would not fit");
  // A spoofed copy is still removed, and the room it frees is used for ours.
  const spoofed = enc(`${base}${pad.slice(40)}\r\nX-Halton-Meter-Client: 1 2\r\n\r\n`);
  const out = dec(rewriteChainHead(spoofed, client));
  assert.ok(out.endsWith("\r\nX-Halton-Meter-Client: 51234 8081\r\n\r\n"), out.slice(-80));
  assert.equal(out.match(/halton-meter-client/gi)?.length, 1);
  assert.ok(out.length <= MAX_HEAD_BYTES);
  const spoofedTight = enc(`${base}${pad}\r\nX-Halton-Meter-Client: 1 2\r\n\r\n`);
  const tight = dec(rewriteChainHead(spoofedTight, client, spoofedTight.length - 1));
  assert.equal(tight, `${base}${pad}\r\n\r\n`);
});

Deno.test("rewriteChainHead: unchanged bytes come back as the same array (no copy)", () => {
  const head = enc("CONNECT a.b:443 HTTP/1.1\r\nHost: a.b\r\n\r\n");
  assert.equal(rewriteChainHead(head, null), head);
});
