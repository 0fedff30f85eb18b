import assert from "node:assert/strict";
import { parseResponseHead } from "./parse_response_head.ts";

const enc = new TextEncoder();

Deno.test("parseResponseHead: status, reason, headers in order, head length", () => {
  const text = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Mixed-Case:  yes \r\n" +
    "set-cookie: a\r\nset-cookie: b\r\n\r\n{}";
  const r = parseResponseHead(enc.encode(text));
  assert.equal(r.kind, "head");
  if (r.kind !== "head") return;
  assert.equal(r.head.status, 200);
  assert.equal(r.head.reason, "OK");
  assert.equal(r.head.version, "HTTP/1.1");
  assert.deepEqual(r.head.headers, [
    ["Content-Type", "application/json"],
    ["X-Mixed-Case", "yes"],
    ["set-cookie", "a"],
    ["set-cookie", "b"],
  ]);
  assert.equal(r.head.headLength, text.length - 2);
  // no reason phrase, bare LF line ends
  const bare = parseResponseHead(enc.encode("HTTP/1.0 204\nA: 1\n\n"));
  assert.equal(bare.kind === "head" && bare.head.status, 204);
  assert.equal(bare.kind === "head" && bare.head.reason, "");
});

Deno.test("parseResponseHead: incomplete at every prefix, errors classified, fuzz never throws", () => {
  const text = "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n";
  const bytes = enc.encode(text);
  for (let i = 0; i < bytes.length; i++) {
    assert.equal(parseResponseHead(bytes.subarray(0, i)).kind, "incomplete", `prefix ${i}`);
  }
  assert.equal(parseResponseHead(bytes).kind, "head");
  assert.equal(parseResponseHead(enc.encode("HTTP/2 200\r\n\r\n")).kind, "error");
  assert.equal(parseResponseHead(enc.encode("HTTP/1.1 20 OK\r\n\r\n")).kind, "error");
  assert.equal(parseResponseHead(enc.encode("HTTP/1.1 200 OK\r\nbad line\r\n\r\n")).kind, "error");
  assert.equal(parseResponseHead(enc.encode("HTTP/1.1 200 OK\r\n folded\r\n\r\n")).kind, "error");
  const huge = enc.encode("HTTP/1.1 200 OK\r\nx: " + "a".repeat(300_000));
  assert.equal(parseResponseHead(huge).kind, "error");
  let x = 99;
  for (let n = 0; n < 2000; n++) {
    const junk = Uint8Array.from({ length: (n % 90) + 1 }, () => {
      x = (x * 1103515245 + 12345) >>> 0;
      return "HTP/1. 20\r\n:a"[x % 14].charCodeAt(0);
    });
    parseResponseHead(junk);
  }
});
