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

Deno.test("classifyUpstreamError: Deno-native connect errors (the upstream pool's)", async () => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = l.addr.port;
  l.close();
  const refused = await Deno.connect({ hostname: "127.0.0.1", port }).catch((e) => e);
  assert.equal(classifyUpstreamError(refused).kind, "upstream_refused");
  const dns = new Deno.errors.NotFound(
    "failed to lookup address information: Name or service not known",
  );
  assert.equal(classifyUpstreamError(dns).kind, "upstream_dns");
  const cert = new Deno.errors.InvalidData("invalid peer certificate: UnknownIssuer");
  assert.equal(classifyUpstreamError(cert).kind, "upstream_tls");
  const reset = new Deno.errors.ConnectionReset("Connection reset by peer (os error 104)");
  assert.equal(classifyUpstreamError(reset).kind, "upstream_reset");
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
