import assert from "node:assert/strict";
import { classifyTlsFailure, classifyUpstreamError } from "./classify_error.ts";

const err = (message: string, code?: string) => Object.assign(new Error(message), { code });

Deno.test("classifyUpstreamError: codes and messages to kinds", () => {
  assert.equal(classifyUpstreamError(err("x", "ECONNREFUSED")).kind, "upstream_refused");
  assert.equal(classifyUpstreamError(err("x", "ENOTFOUND")).kind, "upstream_dns");
  assert.equal(
    classifyUpstreamError(err("x", "UPSTREAM_CONNECT_TIMEOUT")).kind,
    "upstream_timeout",
  );
  assert.equal(
    classifyUpstreamError(err("unable to verify the first certificate")).kind,
    "upstream_tls",
  );
  assert.equal(classifyUpstreamError(err("socket hang up", "ECONNRESET")).kind, "upstream_reset");
  assert.equal(classifyUpstreamError("weird").kind, "upstream_error");
});

Deno.test("classifyTlsFailure: alerts, resets, plaintext", () => {
  assert.equal(classifyTlsFailure(err("received fatal alert: UnknownCA")), "cert-rejected");
  assert.equal(classifyTlsFailure(err("read", "ECONNRESET")), "reset");
  assert.equal(
    classifyTlsFailure(err("received corrupt message of type InvalidContentType")),
    "not-tls",
  );
  assert.equal(classifyTlsFailure(err("something else")), "other");
});
