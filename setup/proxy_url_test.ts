import assert from "node:assert/strict";
import { proxyUrl } from "./proxy_url.ts";

/** What a client that decodes the URL's user name once (they all do) puts on the wire. */
function wireUser(url: string): string {
  return decodeURIComponent(new URL(url).username);
}

Deno.test("proxyUrl: no project, no credentials", () => {
  assert.equal(proxyUrl(8081), "http://127.0.0.1:8081");
  assert.equal(proxyUrl(8081, ""), "http://127.0.0.1:8081");
});

Deno.test("proxyUrl: a plain name is the user, with a password clients need to send it", () => {
  assert.equal(proxyUrl(8081, "demo-app"), "http://demo-app:x@127.0.0.1:8081");
  assert.equal(new URL(proxyUrl(8081, "demo-app")).password, "x");
});

Deno.test("proxyUrl: any name reaches the daemon as ASCII that decodes to exactly the name", () => {
  const names = [
    "a:b",
    "me@corp",
    "billing team",
    "café/équipe",
    "日本語",
    "100%",
    "a%41", // a literal escape stays literal
    "x?#[]&=+$,;'\"\\",
    "🚀 launch",
  ];
  for (const name of names) {
    const url = proxyUrl(443, name);
    const parsed = new URL(url);
    assert.equal(parsed.host, "127.0.0.1:443", url);
    assert.equal(parsed.password, "x", url);
    const user = wireUser(url);
    assert.match(user, /^[\x21-\x7e]+$/, `${name}: ${user}`);
    assert.equal(user.includes(":"), false, `${name}: ${user}`);
    assert.equal(decodeURIComponent(user), name);
  }
});

Deno.test("proxyUrl refuses an invalid port", () => {
  for (const port of [0, 65536, 80.5, NaN]) {
    assert.throws(() => proxyUrl(port), /is not 1-65535/);
  }
});
