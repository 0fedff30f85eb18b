import assert from "node:assert/strict";
import { isLoopbackHost } from "./_is_loopback_host.ts";

Deno.test("isLoopbackHost: loopback names with or without a port", () => {
  for (
    const ok of [
      "127.0.0.1",
      "127.0.0.1:8765",
      "localhost",
      "LOCALHOST:8765",
      "[::1]",
      "[::1]:8765",
    ]
  ) {
    assert.equal(isLoopbackHost(ok), true, ok);
  }
});

Deno.test("isLoopbackHost: other names, look-alikes and junk are refused", () => {
  for (
    const bad of [
      "evil.com",
      "127.0.0.1.evil.com",
      "localhost.evil.com",
      "evil.com:8765",
      "localhost.",
      "127.0.0.2",
      "0.0.0.0",
      "[::1].evil.com",
      "[::2]:8765",
      "[::1",
      "127.0.0.1:",
      "127.0.0.1:80:80",
      "127.0.0.1:abc",
      "127.0.0.1@evil.com",
      "",
    ]
  ) {
    assert.equal(isLoopbackHost(bad), false, bad);
  }
});
