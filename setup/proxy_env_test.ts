import assert from "node:assert/strict";
import { nodePreloadOption, PROXY_ENV_NAMES, proxyEnv } from "./proxy_env.ts";

const input = {
  edgePort: 8081,
  caPath: "/hm/ca/halton-meter-ca.pem",
  bundlePath: "/hm/ca/ca-bundle.pem",
};

Deno.test("proxyEnv routes through the edge and trusts the combined bundle", () => {
  assert.deepEqual(proxyEnv(input), {
    HTTPS_PROXY: "http://127.0.0.1:8081",
    https_proxy: "http://127.0.0.1:8081",
    HTTP_PROXY: "http://127.0.0.1:8081",
    http_proxy: "http://127.0.0.1:8081",
    NO_PROXY: "localhost,127.0.0.1,::1",
    no_proxy: "localhost,127.0.0.1,::1",
    NODE_EXTRA_CA_CERTS: "/hm/ca/halton-meter-ca.pem",
    NODE_USE_ENV_PROXY: "1",
    SSL_CERT_FILE: "/hm/ca/ca-bundle.pem",
    REQUESTS_CA_BUNDLE: "/hm/ca/ca-bundle.pem",
    CURL_CA_BUNDLE: "/hm/ca/ca-bundle.pem",
    GIT_SSL_CAINFO: "/hm/ca/ca-bundle.pem",
    AWS_CA_BUNDLE: "/hm/ca/ca-bundle.pem",
    CARGO_HTTP_CAINFO: "/hm/ca/ca-bundle.pem",
    DENO_CERT: "/hm/ca/ca-bundle.pem",
  });
});

Deno.test("proxyEnv never points a file-replacing trust variable at the CA alone", () => {
  const env = proxyEnv(input);
  const caAlone = Object.entries(env).filter(([, v]) => v === input.caPath).map(([k]) => k);
  assert.deepEqual(caAlone, ["NODE_EXTRA_CA_CERTS"]);
});

Deno.test("proxyEnv carries the project as proxy credentials (see proxyUrl)", () => {
  const env = proxyEnv({ ...input, project: "my app/@v2:x é" });
  assert.equal(
    env.HTTPS_PROXY,
    "http://my%2520app%252F%2540v2%253Ax%2520%25C3%25A9:x@127.0.0.1:8081",
  );
  for (const name of ["https_proxy", "HTTP_PROXY", "http_proxy"]) {
    assert.equal(env[name], env.HTTPS_PROXY, name);
  }
  const url = new URL(env.HTTPS_PROXY);
  assert.equal(decodeURIComponent(decodeURIComponent(url.username)), "my app/@v2:x é");
  assert.equal(url.host, "127.0.0.1:8081");
  assert.equal(proxyEnv({ ...input, project: "" }).HTTPS_PROXY, "http://127.0.0.1:8081");
});

Deno.test("proxyEnv refuses an invalid port", () => {
  for (const edgePort of [0, 65536, 80.5, NaN]) {
    assert.throws(() => proxyEnv({ ...input, edgePort }), /is not 1-65535/);
  }
});

Deno.test("proxyEnv adds NODE_OPTIONS only when a Node preload is given, leaving every other key as is", () => {
  const plain = proxyEnv(input);
  assert.equal("NODE_OPTIONS" in plain, false);
  const withPreload = proxyEnv({ ...input, nodePreloadPath: "/hm/node/proxy-preload.cjs" });
  assert.equal(withPreload.NODE_OPTIONS, "--require /hm/node/proxy-preload.cjs");
  const { NODE_OPTIONS: _, ...rest } = withPreload;
  assert.deepEqual(rest, plain);
  for (const name of Object.keys(withPreload)) assert.ok(PROXY_ENV_NAMES.includes(name), name);
});

Deno.test("nodePreloadOption quotes paths with spaces the way Node parses NODE_OPTIONS", () => {
  assert.equal(nodePreloadOption("/a b/p.cjs"), '--require "/a b/p.cjs"');
  assert.equal(
    nodePreloadOption("C:\\Users\\Ada Lovelace\\p.cjs"),
    '--require "C:\\\\Users\\\\Ada Lovelace\\\\p.cjs"',
  );
  assert.equal(nodePreloadOption("C:\\Users\\ada\\p.cjs"), "--require C:\\Users\\ada\\p.cjs");
  assert.throws(() => nodePreloadOption('/a"b/p.cjs'), /contains a quote/);
});
