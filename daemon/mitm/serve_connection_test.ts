/**
 * HTTP/1.1 framing through the engine, byte for byte, against a scripted TLS upstream: chunked
 * both ways, close-delimited, 1xx, HEAD/204/304, Expect, half-close, pipelining, and pooled
 * connections that die (retried when nothing was sent, 502 otherwise, never a hang).
 */
import assert from "node:assert/strict";
import { createMitmServer } from "./create_mitm_server.ts";
import { defaultConnectTls } from "./create_upstream_pool.ts";
import type { ExchangeEndInfo } from "./types.ts";
import { makeTestPki } from "./_test_certs.ts";
import { Client, scriptedUpstream } from "./_scripted_upstream.ts";

const dec = new TextDecoder();

Deno.test("serveConnection: framing, 1xx, Expect, half-close, pipelining, dead pooled connections", async (t) => {
  const pki = await makeTestPki(["api.anthropic.com"]);
  const up = scriptedUpstream(pki.certPem, pki.keyPem);
  const ends: ExchangeEndInfo[] = [];
  const bodies: string[] = [];
  let upstreamConnects = 0;
  let breakNextWrite = false;
  const connect = defaultConnectTls([pki.caPem], 5000);
  /** Wraps a real connection so a test can make its next write fail (a silently dead socket). */
  const breakable = (real: Deno.Conn) =>
    ({
      read: (b: Uint8Array) => real.read(b),
      write: (b: Uint8Array) => {
        if (!breakNextWrite) return real.write(b);
        breakNextWrite = false;
        return Promise.reject(new Deno.errors.BrokenPipe("Broken pipe (os error 32)"));
      },
      close: () => real.close(),
    }) as unknown as Deno.Conn;
  const mitm = createMitmServer({
    shouldIntercept: () => true,
    getCertificate: () => Promise.resolve({ certPem: pki.certPem, keyPem: pki.keyPem }),
    resolve: () => ({ host: "127.0.0.1", port: up.port }),
    upstreamCa: [pki.caPem],
    health: () => ({ status: "ok" }),
    connectUpstream: (target) => {
      upstreamConnects++;
      return connect(target).then(breakable);
    },
    onCall: () => {
      let body = "";
      return {
        onRequestBody: (c) => body += dec.decode(c),
        onEnd: (e) => {
          bodies.push(body);
          ends.push(e);
        },
      };
    },
  });
  const { port } = await mitm.listen(0);
  const settle = () => new Promise((r) => setTimeout(r, 50));
  try {
    await t.step("chunked upload forwarded verbatim; observer gets the payload", async () => {
      const c = await Client.open(port, pki.caPem);
      const framed = "3\r\nabc\r\n2;ext\r\nde\r\n0\r\n\r\n";
      await c.send(
        `POST /echo HTTP/1.1\r\nHost: api.anthropic.com\r\nTransfer-Encoding: chunked\r\n\r\n`,
      );
      await c.send(framed);
      const r = await c.until((s) => /\r\n\r\n\d+$/.test(s));
      assert.match(r.text, /^HTTP\/1\.1 200 OK\r\n/);
      c.close();
      assert.equal(up.seen.at(-1)!.body, framed);
      assert.match(up.seen.at(-1)!.head, /Transfer-Encoding: chunked/);
      await settle();
      assert.equal(bodies.at(-1), "abcde");
      assert.equal(ends.at(-1)!.bytesUp, 5);
    });

    await t.step(
      "chunked response: framing and trailers reach the client byte for byte",
      async () => {
        const c = await Client.open(port, pki.caPem);
        await c.send("GET /chunked HTTP/1.1\r\nHost: api.anthropic.com\r\n\r\n");
        const r = await c.until((s) => s.endsWith("X-T: 1\r\n\r\n"));
        assert.equal(
          r.text,
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\nabcd\r\n2\r\nef\r\n0\r\nX-T: 1\r\n\r\n",
        );
        // keep-alive still works after it
        await c.send("GET /n HTTP/1.1\r\nHost: api.anthropic.com\r\n\r\n");
        assert.match((await c.until((s) => /\r\n\r\n\d+$/.test(s))).text, /^HTTP\/1\.1 200 /);
        c.close();
      },
    );

    await t.step("chunked with a content-length too: the length is dropped both ways", async () => {
      const c = await Client.open(port, pki.caPem);
      await c.send(
        "POST /n HTTP/1.1\r\nHost: api.anthropic.com\r\nContent-Length: 50\r\n" +
          "Transfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n",
      );
      await c.until((s) => /\r\n\r\n\d+$/.test(s));
      assert.doesNotMatch(up.seen.at(-1)!.head, /content-length/i);
      assert.equal(up.seen.at(-1)!.body, "1\r\nz\r\n0\r\n\r\n");
      await c.send("GET /te-and-cl HTTP/1.1\r\nHost: api.anthropic.com\r\n\r\n");
      const r = await c.until((s) => s.endsWith("0\r\n\r\n"));
      assert.equal(
        r.text,
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
      );
      c.close();
    });

    await t.step("101 Switching Protocols: headers passed both ways, then raw bytes", async () => {
      const c = await Client.open(port, pki.caPem);
      await c.send(
        "GET /upgrade HTTP/1.1\r\nHost: api.anthropic.com\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n",
      );
      const r = await c.until((s) => s.includes("\r\n\r\n"));
      assert.match(r.text, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
      assert.match(r.text, /Upgrade: echo\r\n/);
      assert.match(up.seen.at(-1)!.head, /Upgrade: echo/);
      await c.send("ping");
      assert.equal((await c.until((s) => s.includes("ping"))).text, "echo:ping");
      await c.send("pong");
      assert.equal((await c.until((s) => s.includes("pong"))).text, "echo:pong");
      c.close();
    });

    await t.step(
      "close-delimited response: whole body, then the client connection closes",
      async () => {
        const c = await Client.open(port, pki.caPem);
        await c.send("GET /close-delimited HTTP/1.1\r\nHost: api.anthropic.com\r\n\r\n");
        const r = await c.until(() => false);
        assert.equal(r.eof, true);
        assert.match(r.text, /connection: close\r\n/);
        assert.ok(r.text.endsWith("\r\n\r\nuntil-the-end"), r.text);
        c.close();
      },
    );

    await t.step(
      "103 passed on before the final response; HEAD, 204, 304 carry no body",
      async () => {
        const c = await Client.open(port, pki.caPem);
        await c.send("GET /early-hints HTTP/1.1\r\nHost: api.anthropic.com\r\n\r\n");
        const r = await c.until((s) => s.endsWith("ok"));
        assert.match(
          r.text,
          /^HTTP\/1\.1 103 Early Hints\r\nLink: <\/a\.css>\r\n\r\nHTTP\/1\.1 200 OK\r\n/,
        );
        for (const [req, status] of [["HEAD /head", 200], ["GET /204", 204], ["GET /304", 304]]) {
          await c.send(`${req} HTTP/1.1\r\nHost: api.anthropic.com\r\n\r\n`);
          const x = await c.until((s) => s.endsWith("\r\n\r\n"));
          assert.match(x.text, new RegExp(`^HTTP/1\\.1 ${status} `));
        }
        // the connection is still in step: a normal request works
        await c.send("GET /n HTTP/1.1\r\nHost: api.anthropic.com\r\n\r\n");
        const n = await c.until((s) => /\r\n\r\n\d+$/.test(s));
        assert.match(n.text, /^HTTP\/1\.1 200 OK\r\nContent-Length: \d+\r\n\r\n\d+$/);
        c.close();
      },
    );

    await t.step("Expect: 100-continue is answered by us and not forwarded", async () => {
      const c = await Client.open(port, pki.caPem);
      await c.send(
        "POST /e HTTP/1.1\r\nHost: api.anthropic.com\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n",
      );
      const cont = await c.until((s) => s.includes("\r\n\r\n"));
      assert.equal(cont.text, "HTTP/1.1 100 Continue\r\n\r\n");
      await c.send("xyz");
      assert.match((await c.until((s) => /\r\n\r\n\d+$/.test(s))).text, /^HTTP\/1\.1 200 /);
      assert.doesNotMatch(up.seen.at(-1)!.head, /expect/i);
      assert.equal(up.seen.at(-1)!.body, "xyz");
      c.close();
    });

    await t.step("pipelined requests in one write are answered in order", async () => {
      const c = await Client.open(port, pki.caPem);
      const req = (p: string) => `GET ${p} HTTP/1.1\r\nHost: api.anthropic.com\r\n\r\n`;
      await c.send(req("/204") + req("/n") + req("/304"));
      const r = await c.until((s) =>
        (s.match(/HTTP\/1\.1 /g) ?? []).length === 3 && s.endsWith("\r\n\r\n")
      );
      const statuses = [...r.text.matchAll(/HTTP\/1\.1 (\d+)/g)].map((m) => m[1]);
      assert.deepEqual(statuses, ["204", "200", "304"]);
      c.close();
    });

    await t.step("half-close after the request: the response still arrives", async () => {
      const c = await Client.open(port, pki.caPem);
      await c.send("GET /n HTTP/1.1\r\nHost: api.anthropic.com\r\n\r\n");
      await c.conn.closeWrite();
      const r = await c.until(() => false);
      assert.match(r.text, /^HTTP\/1\.1 200 OK\r\n/);
      assert.equal(r.eof, true);
      c.close();
    });

    await t.step("a pooled connection the upstream closed is not reused", async () => {
      const c = await Client.open(port, pki.caPem);
      await c.send("GET /then-close HTTP/1.1\r\nHost: api.anthropic.com\r\n\r\n");
      assert.ok((await c.until((s) => s.endsWith("first"))).text.startsWith("HTTP/1.1 200"));
      await new Promise((r) => setTimeout(r, 150)); // the upstream closes it while idle
      const before = upstreamConnects;
      await c.send("GET /n HTTP/1.1\r\nHost: api.anthropic.com\r\n\r\n");
      const r = await c.until((s) => /\r\n\r\n\d+$/.test(s));
      assert.match(r.text, /^HTTP\/1\.1 200 /);
      assert.equal(upstreamConnects, before + 1, "a fresh upstream connection");
      c.close();
    });

    await t.step(
      "a pooled connection dead on the first write: retried on a fresh one",
      async () => {
        const c = await Client.open(port, pki.caPem);
        await c.send("GET /n HTTP/1.1\r\nHost: api.anthropic.com\r\n\r\n");
        await c.until((s) => /\r\n\r\n\d+$/.test(s));
        const before = upstreamConnects;
        const seenBefore = up.seen.length;
        breakNextWrite = true;
        await c.send("POST /n HTTP/1.1\r\nHost: api.anthropic.com\r\nContent-Length: 2\r\n\r\nok");
        const r = await c.until((s) => /\r\n\r\n\d+$/.test(s));
        assert.match(r.text, /^HTTP\/1\.1 200 /);
        assert.equal(upstreamConnects, before + 1);
        assert.equal(up.seen.length, seenBefore + 1, "the upstream saw the request once");
        assert.equal(up.seen.at(-1)!.body, "ok");
        c.close();
      },
    );

    await t.step(
      "request sent, upstream closes without answering: 502 at once, no hang",
      async () => {
        const c = await Client.open(port, pki.caPem);
        await c.send(
          "POST /swallow HTTP/1.1\r\nHost: api.anthropic.com\r\nContent-Length: 2\r\n\r\n{}",
        );
        const r = await c.until((s) => s.endsWith("}"), 3000);
        assert.match(r.text, /^HTTP\/1\.1 502 Bad Gateway\r\n/);
        assert.match(r.text, /x-halton-meter-error: upstream_reset/);
        c.close();
        await settle();
        assert.equal(ends.at(-1)!.error?.kind, "upstream_reset");
        assert.equal(ends.at(-1)!.status, 502);
      },
    );

    await t.step(
      "an answer before the upload is read: forwarded, no hang on the upload",
      async () => {
        const c = await Client.open(port, pki.caPem);
        const size = 32 * 1024 * 1024;
        await c.send(
          `POST /early HTTP/1.1\r\nHost: api.anthropic.com\r\nContent-Length: ${size}\r\n\r\n`,
        );
        const upload = c.conn.write(new Uint8Array(size)).catch(() => 0);
        const t0 = performance.now();
        const r = await c.until(() => false, 4000);
        assert.match(r.text, /^HTTP\/1\.1 413 Payload Too Large\r\n/);
        assert.equal(r.eof, true);
        assert.ok(performance.now() - t0 < 3000, "the connection closed promptly");
        c.close();
        await upload;
        await settle();
        assert.equal(ends.at(-1)!.status, 413);
      },
    );

    await t.step("malformed request framing: 400 and the connection closes", async () => {
      const endsBefore = ends.length;
      const c = await Client.open(port, pki.caPem);
      await c.send("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n");
      const r = await c.until(() => false);
      assert.match(r.text, /^HTTP\/1\.1 400 /);
      c.close();
      await settle();
      assert.equal(ends.length, endsBefore, "no exchange was recorded for it");
    });
  } finally {
    await mitm.close(1000);
    up.close();
    await Deno.remove(pki.dir, { recursive: true });
  }
});
