import assert from "node:assert/strict";
import { headersFromRaw, stripHopByHop } from "./strip_hop_by_hop.ts";

Deno.test("stripHopByHop: drops hop-by-hop and Connection-named headers, keeps case and order", () => {
  const raw = [
    "Host",
    "api.anthropic.com",
    "Connection",
    "keep-alive, X-Hop",
    "X-Hop",
    "1",
    "Proxy-Authorization",
    "Basic x",
    "Transfer-Encoding",
    "chunked",
    "X-Api-Key",
    "k",
    "Set-Cookie",
    "a",
    "Set-Cookie",
    "b",
    "Expect",
    "100-continue",
  ];
  assert.deepEqual(stripHopByHop(raw, ["expect"]), [
    "Host",
    "api.anthropic.com",
    "X-Api-Key",
    "k",
    "Set-Cookie",
    "a",
    "Set-Cookie",
    "b",
  ]);
});

Deno.test("headersFromRaw: repeated headers append, bad values are skipped", () => {
  const h = headersFromRaw(["A", "1", "a", "2", "B", "caf\u00e9\u20ac"]);
  assert.equal(h.get("a"), "1, 2");
  assert.equal(h.get("b"), null);
});
