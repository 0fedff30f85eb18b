/**
 * Hostile handshakes must not leave anything behind once their connections are gone: the
 * daemon's RSS once grew ~33 KB per such connection for good (M7 review, defect 21). Counted
 * as live objects in a heap snapshot, not as RSS or time (see scripts/bench/hostile_memory.ts
 * for the RSS figures).
 */
import assert from "node:assert/strict";
import { countHeapObjects } from "./_heap_count.ts";
import { createMitmServer } from "./create_mitm_server.ts";
import { makeTestPki } from "./_test_certs.ts";

const enc = new TextEncoder();
const COUNTED = ["TLSSocket", "TLSWrap", "Socket"] as const;

async function connected(port: number): Promise<Deno.TcpConn> {
  const c = await Deno.connect({ hostname: "127.0.0.1", port });
  await c.write(enc.encode("CONNECT api.anthropic.com:443 HTTP/1.1\r\n\r\n"));
  const answer = new Uint8Array(256);
  const n = await c.read(answer);
  assert.match(new TextDecoder().decode(answer.subarray(0, n ?? 0)), /^HTTP\/1\.1 200/);
  return c;
}

async function drain(c: Deno.Conn): Promise<void> {
  const buf = new Uint8Array(4096);
  try {
    while ((await c.read(buf)) !== null) { /* until the engine closes */ }
  } catch { /* reset */ }
  try {
    c.close();
  } catch { /* closed */ }
}

Deno.test("mitm engine: bytes that are not TLS and cut ClientHellos leave no socket behind", async () => {
  const pki = await makeTestPki(["api.anthropic.com"]);
  const mitm = createMitmServer({
    shouldIntercept: () => true,
    getCertificate: () => Promise.resolve({ certPem: pki.certPem, keyPem: pki.keyPem }),
    resolve: () => ({ host: "127.0.0.1", port: 9 }),
    upstreamCa: [pki.caPem],
    health: () => ({ status: "ok" }),
    // A cut ClientHello may be ended by this timeout rather than by the client's close.
    handshakeTimeoutMs: 1000,
  });
  const { port } = await mitm.listen(0);
  try {
    // One good handshake first, so lazily built, process-wide TLS state is not counted.
    const warm = await connected(port);
    const tls = await Deno.startTls(warm, { hostname: "api.anthropic.com", caCerts: [pki.caPem] });
    await tls.handshake();
    tls.close();
    for (let i = 0; i < 100 && mitm.stats().activeConnections > 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const before = await countHeapObjects(COUNTED);

    const rounds = 100;
    for (let i = 0; i < rounds; i++) {
      const garbage = await connected(port);
      await garbage.write(crypto.getRandomValues(new Uint8Array(300)));
      await drain(garbage);
      // A ClientHello's first bytes (record header, handshake type), then gone.
      const cut = await connected(port);
      await cut.write(new Uint8Array([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc]));
      cut.close();
    }
    // Bounded wait for the engine to notice the last closes; the assertion is on counts.
    for (let i = 0; i < 250 && mitm.stats().activeConnections > 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(mitm.stats().activeConnections, 0, "every hostile connection was closed");
    const after = await countHeapObjects(COUNTED);
    for (const name of COUNTED) {
      assert.ok(
        after[name] - before[name] < rounds / 10,
        `${after[name] - before[name]} more live ${name} objects after ${
          2 * rounds
        } hostile connections (before ${JSON.stringify(before)}, after ${JSON.stringify(after)})`,
      );
    }
    const failures = mitm.stats().tlsFailures;
    assert.equal(failures["not-tls"] + failures.reset + failures.other, 2 * rounds);
  } finally {
    await mitm.close(0);
    await Deno.remove(pki.dir, { recursive: true });
  }
});

Deno.test("mitm engine: the ClientHello's server name picks the certificate, else the CONNECT host", async () => {
  const pki = await makeTestPki(["api.anthropic.com", "eu.api.anthropic.com"]);
  const asked: string[] = [];
  const mitm = createMitmServer({
    shouldIntercept: () => true,
    getCertificate: (name) => {
      asked.push(name);
      return Promise.resolve({ certPem: pki.certPem, keyPem: pki.keyPem });
    },
    resolve: () => ({ host: "127.0.0.1", port: 9 }),
    upstreamCa: [pki.caPem],
    health: () => ({ status: "ok" }),
  });
  const { port } = await mitm.listen(0);
  try {
    const c = await connected(port);
    const tls = await Deno.startTls(c, { hostname: "EU.api.anthropic.com", caCerts: [pki.caPem] });
    await tls.handshake();
    tls.close();
    // The CONNECT host is minted first (a 502 when it cannot be), then the name asked for.
    assert.deepEqual(asked, ["api.anthropic.com", "eu.api.anthropic.com"]);
    const garbage = await connected(port);
    await garbage.write(enc.encode("GET / HTTP/1.1\r\n\r\n"));
    await drain(garbage);
    assert.equal(mitm.stats().tlsFailures["not-tls"], 1);
  } finally {
    await mitm.close(0);
    await Deno.remove(pki.dir, { recursive: true });
  }
});
