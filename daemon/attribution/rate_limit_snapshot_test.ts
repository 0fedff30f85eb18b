import assert from "node:assert/strict";
import { rateLimitSnapshot } from "./rate_limit_snapshot.ts";

Deno.test("rateLimitSnapshot keeps Anthropic, unified, x-ratelimit and retry-after headers", () => {
  const headers = new Headers({
    "anthropic-ratelimit-requests-limit": "4000",
    "anthropic-ratelimit-requests-remaining": "3999",
    "anthropic-ratelimit-requests-reset": "2026-01-01T00:00:01Z",
    "anthropic-ratelimit-input-tokens-remaining": "399000",
    "Anthropic-Ratelimit-Unified-5h-Utilization": "0.42",
    "anthropic-ratelimit-unified-7d-reset": "1767225600",
    "x-ratelimit-remaining-tokens": "149000",
    "retry-after": "12",
    "retry-after-ms": "11500",
    "request-id": "req_011",
    "content-type": "application/json",
    "x-api-key": "sk-should-never-be-copied",
    "ratelimit-policy": "not a prefix we keep",
  });
  assert.deepEqual(rateLimitSnapshot(headers), {
    "anthropic-ratelimit-input-tokens-remaining": "399000",
    "anthropic-ratelimit-requests-limit": "4000",
    "anthropic-ratelimit-requests-remaining": "3999",
    "anthropic-ratelimit-requests-reset": "2026-01-01T00:00:01Z",
    "anthropic-ratelimit-unified-5h-utilization": "0.42",
    "anthropic-ratelimit-unified-7d-reset": "1767225600",
    "retry-after": "12",
    "retry-after-ms": "11500",
    "x-ratelimit-remaining-tokens": "149000",
  });
});

Deno.test("rateLimitSnapshot: null without rate-limit headers", () => {
  assert.equal(rateLimitSnapshot(new Headers()), null);
  assert.equal(rateLimitSnapshot(new Headers({ "content-type": "text/plain" })), null);
});

Deno.test("rateLimitSnapshot caps entries, name and value length", () => {
  const headers = new Headers();
  for (let i = 0; i < 200; i++) {
    headers.set(`x-ratelimit-h${String(i).padStart(3, "0")}`, "v".repeat(10_000));
  }
  headers.set(`x-ratelimit-${"n".repeat(200)}`, "1");
  const snapshot = rateLimitSnapshot(headers);
  assert.ok(snapshot);
  const entries = Object.entries(snapshot);
  assert.equal(entries.length, 48);
  for (const [name, value] of entries) {
    assert.ok(name.length <= 96, name);
    assert.equal(value.length, 256);
  }
  assert.equal(entries[0][0], "x-ratelimit-h000");
});

Deno.test("rateLimitSnapshot removes control characters from values", () => {
  const headers = new Headers({ "retry-after": "1\t0" });
  assert.deepEqual(rateLimitSnapshot(headers), { "retry-after": "10" });
});
