import assert from "node:assert/strict";
import { createUpstreamPool, defaultConnectTls } from "./create_upstream_pool.ts";
import { makeTestPki } from "./_test_certs.ts";

const target = (port: number) => ({
  key: "api.anthropic.com:443",
  host: "127.0.0.1",
  port,
  servername: "api.anthropic.com",
});

Deno.test("createUpstreamPool: verified TLS to the resolved address, reuse, idle limits", async (t) => {
  const pki = await makeTestPki(["api.anthropic.com"]);
  const tlsListener = Deno.listenTls({
    hostname: "127.0.0.1",
    port: 0,
    cert: pki.certPem,
    key: pki.keyPem,
  });
  const accepted: Deno.Conn[] = [];
  (async () => {
    for await (const c of tlsListener) {
      accepted.push(c);
      c.handshake().catch(() => {});
    }
  })().catch(() => {});
  // Accepts TCP but never speaks TLS: a connect that must time out.
  const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const silentConns: Deno.Conn[] = [];
  (async () => {
    for await (const c of silent) silentConns.push(c);
  })().catch(() => {});
  const port = tlsListener.addr.port;
  try {
    await t.step("a released connection is reused; fresh skips the pool", async () => {
      const pool = createUpstreamPool({ caCerts: [pki.caPem], connectTimeoutMs: 2000 });
      const a = await pool.acquire(target(port));
      assert.equal(a.reused, false);
      a.release();
      assert.equal(pool.idleCount(), 1);
      const b = await pool.acquire(target(port));
      assert.equal(b, a);
      assert.equal(b.reused, true);
      const c = await pool.acquire(target(port), { fresh: true });
      assert.notEqual(c, a);
      b.close();
      c.close();
      pool.close();
    });

    await t.step(
      "the certificate is checked against the original host, not the address",
      async () => {
        const pool = createUpstreamPool({ caCerts: [pki.caPem], connectTimeoutMs: 2000 });
        const err = await pool.acquire({ ...target(port), servername: "other.example" }).then(
          () => null,
          (e) => e,
        );
        assert.ok(err instanceof Error, "a name mismatch must fail");
        assert.match(String(err.message), /cert|name|NotValidForName/i);
        const untrusted = createUpstreamPool({ connectTimeoutMs: 2000 });
        const err2 = await untrusted.acquire(target(port)).then(() => null, (e) => e);
        assert.match(
          String(err2?.message),
          /UnknownIssuer|cert/i,
          "test CA not trusted by default",
        );
        pool.close();
        untrusted.close();
      },
    );

    await t.step("idle connections beyond maxIdlePerKey are closed", async () => {
      const pool = createUpstreamPool({ caCerts: [pki.caPem], maxIdlePerKey: 2 });
      const conns = await Promise.all([1, 2, 3].map(() => pool.acquire(target(port))));
      for (const c of conns) c.release();
      assert.equal(pool.idleCount(), 2);
      pool.close();
      assert.equal(pool.idleCount(), 0);
    });

    await t.step("an idle connection closed by the peer leaves the pool", async () => {
      const pool = createUpstreamPool({ caCerts: [pki.caPem] });
      const before = accepted.length;
      const a = await pool.acquire(target(port));
      a.release();
      while (accepted.length === before) await new Promise((r) => setTimeout(r, 5));
      accepted.at(-1)!.close();
      for (let i = 0; i < 100 && pool.idleCount() > 0; i++) {
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.equal(pool.idleCount(), 0);
      const b = await pool.acquire(target(port));
      assert.equal(b.reused, false);
      b.close();
      pool.close();
    });

    await t.step("idle connections expire after idleTimeoutMs", async () => {
      const pool = createUpstreamPool({ caCerts: [pki.caPem], idleTimeoutMs: 100 });
      (await pool.acquire(target(port))).release();
      assert.equal(pool.idleCount(), 1);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(pool.idleCount(), 0);
      pool.close();
    });

    await t.step("a TLS handshake that never comes times out with a classified error", async () => {
      const connect = defaultConnectTls([pki.caPem], 200);
      const t0 = performance.now();
      const err = await connect(target(silent.addr.port)).then(() => null, (e) => e);
      const ms = performance.now() - t0;
      assert.equal(err?.code, "UPSTREAM_CONNECT_TIMEOUT");
      assert.match(err.message, /no TLS connection after 200 ms/);
      assert.ok(ms >= 150 && ms < 2000, `gave up after ${ms.toFixed(0)} ms`);
    });

    await t.step("a closed pool refuses new connections", async () => {
      const pool = createUpstreamPool({ caCerts: [pki.caPem] });
      pool.close();
      await assert.rejects(pool.acquire(target(port)), /pool is closed/);
    });
  } finally {
    tlsListener.close();
    silent.close();
    for (const c of [...accepted, ...silentConns]) {
      try {
        c.close();
      } catch { /* closed */ }
    }
    await Deno.remove(pki.dir, { recursive: true });
  }
});
