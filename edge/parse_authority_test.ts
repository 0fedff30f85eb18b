import assert from "node:assert/strict";
import { formatAuthority, parseAuthority } from "./parse_authority.ts";

Deno.test("parseAuthority accepts host names, IPv4 and bracketed IPv6", () => {
  assert.deepEqual(parseAuthority("API.Anthropic.com:443"), {
    ok: true,
    value: { host: "api.anthropic.com", port: 443 },
  });
  assert.deepEqual(parseAuthority("127.0.0.1:8443"), {
    ok: true,
    value: { host: "127.0.0.1", port: 8443 },
  });
  assert.deepEqual(parseAuthority("[::1]:443"), { ok: true, value: { host: "::1", port: 443 } });
  assert.deepEqual(parseAuthority("example.com", 80), {
    ok: true,
    value: { host: "example.com", port: 80 },
  });
  assert.equal(formatAuthority({ host: "::1", port: 443 }), "[::1]:443");
});

Deno.test("parseAuthority rejects bad targets with a reason", () => {
  for (
    const bad of [
      "",
      "example.com",
      "example.com:",
      "example.com:0",
      "example.com:65536",
      "example.com:44a",
      "exa mple.com:443",
      "a..b:443",
      "::1:443",
      "[::1",
      "[zz]:443",
      "/path:443",
      "user@host:443",
    ]
  ) {
    const r = parseAuthority(bad);
    assert.equal(r.ok, false, bad);
  }
});
