/** The engine's `ClientConnection`: one object per intercepted connection, naming the client's ports. */
import assert from "node:assert/strict";
import { createMitmServer } from "./create_mitm_server.ts";
import { makeTestPki } from "./_test_certs.ts";
import { bigBody, PLAIN_BODY, startFakeUpstream } from "./_fake_upstream.ts";
import type { ClientConnection, RequestInfo } from "./types.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** CONNECT (with `headers`), TLS, then `requests` GETs on that one connection. */
async function callTwice(
  port: number,
  caPem: string,
  headers: string,
): Promise<{ localPort: number }> {
  const c = await Deno.connect({ hostname: "127.0.0.1", port });
  const localPort = c.localAddr.port;
  await c.write(enc.encode(`CONNECT api.anthropic.com:443 HTTP/1.1\r\n${headers}\r\n`));
  const buf = new Uint8Array(65536);
  const n = await c.read(buf);
  assert.match(dec.decode(buf.subarray(0, n ?? 0)), /^HTTP\/1\.1 200 /);
  const t = await Deno.startTls(c, { hostname: "api.anthropic.com", caCerts: [caPem] });
  try {
    for (let i = 0; i < 2; i++) {
      await t.write(enc.encode("GET /v1/messages HTTP/1.1\r\nHost: api.anthropic.com\r\n\r\n"));
      let text = "";
      while (!text.endsWith(PLAIN_BODY)) {
        const m = await t.read(buf);
        if (m === null) throw new Error(`closed after ${JSON.stringify(text)}`);
        text += dec.decode(buf.subarray(0, m));
      }
    }
  } finally {
    t.close();
  }
  return { localPort };
}

Deno.test("mitm engine: one ClientConnection per connection, from the edge's header or the socket", async () => {
  const pki = await makeTestPki(["api.anthropic.com"]);
  const upstream = await startFakeUpstream(pki.certPem, pki.keyPem, bigBody(16));
  const calls: RequestInfo[] = [];
  const connections: Array<{ connection: ClientConnection; host: string; auth: string | null }> =
    [];
  const mitm = createMitmServer({
    shouldIntercept: () => true,
    getCertificate: () => Promise.resolve({ certPem: pki.certPem, keyPem: pki.keyPem }),
    resolve: () => ({ host: "127.0.0.1", port: upstream.port }),
    upstreamCa: [pki.caPem],
    health: () => ({ status: "ok" }),
    onConnection: (connection, connect) =>
      connections.push({ connection, host: connect.host, auth: connect.proxyAuthorization }),
    onCall: (info) => {
      calls.push(info);
    },
  });
  const { port } = await mitm.listen(0);
  try {
    // Through the edge: the header names the client's connection to the edge.
    await callTwice(
      port,
      pki.caPem,
      "Proxy-Authorization: Basic cDp4\r\nX-Halton-Meter-Client: 40001 8081\r\n",
    );
    assert.equal(calls.length, 2);
    assert.deepEqual(calls[0].connection, { client: { port: 40001, serverPort: 8081 } });
    assert.equal(calls[1].connection, calls[0].connection, "same object for the connection");
    assert.equal(connections.length, 1);
    assert.equal(connections[0].connection, calls[0].connection);
    assert.equal(connections[0].auth, "Basic cDp4");
    assert.equal(connections[0].host, "api.anthropic.com");

    // Straight to the daemon (or a malformed header): the socket's own ports.
    const direct = await callTwice(port, pki.caPem, "X-Halton-Meter-Client: nonsense\r\n");
    assert.equal(calls.length, 4);
    assert.deepEqual(calls[2].connection, {
      client: { port: direct.localPort, serverPort: port },
    });
    assert.equal(calls[3].connection, calls[2].connection);
    assert.notEqual(calls[2].connection, calls[0].connection);
    assert.equal(connections.length, 2);
    assert.equal(connections[1].auth, null);
  } finally {
    await mitm.close(1000);
    await upstream.close();
    await Deno.remove(pki.dir, { recursive: true });
  }
});

Deno.test("mitm engine: a throwing onConnection is contained; the call goes through", async () => {
  const pki = await makeTestPki(["api.anthropic.com"]);
  const upstream = await startFakeUpstream(pki.certPem, pki.keyPem, bigBody(16));
  let calls = 0;
  const mitm = createMitmServer({
    shouldIntercept: () => true,
    getCertificate: () => Promise.resolve({ certPem: pki.certPem, keyPem: pki.keyPem }),
    resolve: () => ({ host: "127.0.0.1", port: upstream.port }),
    upstreamCa: [pki.caPem],
    health: () => ({ status: "ok" }),
    onConnection: () => {
      throw new Error("attribution exploded");
    },
    onCall: () => {
      calls++;
    },
  });
  const { port } = await mitm.listen(0);
  try {
    await callTwice(port, pki.caPem, "");
    assert.equal(calls, 2);
    assert.equal(mitm.stats().observerErrors, 1);
  } finally {
    await mitm.close(1000);
    await upstream.close();
    await Deno.remove(pki.dir, { recursive: true });
  }
});
