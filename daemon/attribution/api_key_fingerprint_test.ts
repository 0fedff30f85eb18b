import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { apiKeyFingerprint } from "./api_key_fingerprint.ts";

const KEY = "sk-ant-api03-AbCdEf0123456789_secretPART-xyz";
const EXPECTED = createHash("sha256").update(KEY).digest("hex").slice(0, 8);

function fingerprint(headers: Record<string, string>, query = ""): string | null {
  return apiKeyFingerprint(new Headers(headers), new URLSearchParams(query));
}

/** No fragment of the key (4+ characters) may appear in the output. */
function assertNoKeyText(output: string | null, key: string): void {
  if (output === null) return;
  for (let i = 0; i + 4 <= key.length; i++) {
    assert.ok(!output.includes(key.slice(i, i + 4)), `output ${output} contains key text`);
  }
}

Deno.test("apiKeyFingerprint: every key location gives sha256(key)[0:8] and nothing else", () => {
  const cases: Array<[Record<string, string>, string]> = [
    [{ "x-api-key": KEY }, ""],
    [{ authorization: `Bearer ${KEY}` }, ""],
    [{ Authorization: `bearer   ${KEY}  ` }, ""],
    [{ "api-key": KEY }, ""],
    [{ "x-goog-api-key": KEY }, ""],
    [{}, `alt=sse&key=${encodeURIComponent(KEY)}`],
  ];
  for (const [headers, query] of cases) {
    const out = fingerprint(headers, query);
    assert.equal(out, EXPECTED, JSON.stringify([headers, query]));
    assert.match(out ?? "", /^[0-9a-f]{8}$/);
    assertNoKeyText(out, KEY);
  }
});

Deno.test("apiKeyFingerprint: x-api-key wins over Authorization; empty values are skipped", () => {
  const other = "sk-other-key";
  assert.equal(fingerprint({ "x-api-key": KEY, authorization: `Bearer ${other}` }), EXPECTED);
  assert.equal(fingerprint({ "x-api-key": "  ", authorization: `Bearer ${KEY}` }), EXPECTED);
  assert.equal(fingerprint({ authorization: "Bearer", "api-key": KEY }), EXPECTED);
});

Deno.test("apiKeyFingerprint: Bedrock SigV4 uses the access key id", () => {
  const signed = (signature: string) => ({
    authorization: "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/" +
      `bedrock/aws4_request, SignedHeaders=host;x-amz-date, Signature=${signature}`,
  });
  const a = fingerprint(signed("aaaa1111"));
  assert.equal(a, createHash("sha256").update("AKIAIOSFODNN7EXAMPLE").digest("hex").slice(0, 8));
  assert.equal(fingerprint(signed("bbbb2222")), a, "stable across signatures");
  assertNoKeyText(a, "AKIAIOSFODNN7EXAMPLE");
});

Deno.test("apiKeyFingerprint: no key → null", () => {
  assert.equal(fingerprint({}), null);
  assert.equal(fingerprint({ authorization: "Basic dXNlcjpwYXNz" }), null);
  assert.equal(fingerprint({ "x-api-key": "" }, "key="), null);
  assert.equal(fingerprint({ "user-agent": "curl/8" }, "alt=sse"), null);
});

Deno.test("apiKeyFingerprint: different keys, different fingerprints", () => {
  const seen = new Set<string | null>();
  for (let i = 0; i < 200; i++) seen.add(fingerprint({ "x-api-key": `sk-${i}` }));
  assert.equal(seen.size, 200);
});
