import assert from "node:assert/strict";
import net from "node:net";
import { createMitmServer } from "./create_mitm_server.ts";
import type { ExchangeEndInfo, ExchangeObserver, RequestInfo, ResponseHeadInfo } from "./types.ts";
import { makeTestPki } from "./_test_certs.ts";
import {
  bigBody,
  BR_BODY,
  GZIP_BODY,
  PLAIN_BODY,
  SSE_EVENTS,
  startFakeUpstream,
  TEXT,
} from "./_fake_upstream.ts";

interface Recorded {
  info: RequestInfo;
  requestBody: Uint8Array[];
  head: ResponseHeadInfo | null;
  body: Uint8Array[];
  end: Promise<ExchangeEndInfo>;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, "0")).join("");
}

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Raw bytes exchanged on the proxy port before/without TLS. */
async function rawProxyRequest(port: number, bytes: Uint8Array): Promise<string> {
  const c = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await c.write(bytes);
    const chunks: Uint8Array[] = [];
    const buf = new Uint8Array(65536);
    for (;;) {
      const n = await c.read(buf).catch(() => null);
      if (n === null) break;
      chunks.push(buf.slice(0, n));
    }
    return new TextDecoder().decode(concat(chunks));
  } finally {
    c.close();
  }
}

Deno.test("mitm engine: interception, forwarding, tee, tunnels, failures", async (t) => {
  const pki = await makeTestPki([
    "api.anthropic.com",
    "untrusted.test",
    "refused.test",
    "localhost",
    "127.0.0.1",
  ]);
  const big = bigBody(20 * 1024 * 1024);
  const upstream = await startFakeUpstream(pki.certPem, pki.keyPem, big);
  const untrusted = await startFakeUpstream(pki.untrustedCertPem, pki.untrustedKeyPem, big);
  const deadPort = await closedPort();
  const routes: Record<string, number> = {
    "api.anthropic.com:443": upstream.port,
    "localhost:443": upstream.port,
    "untrusted.test:443": untrusted.port,
    "refused.test:443": deadPort,
    "127.0.0.1:443": upstream.port,
  };
  const calls: Recorded[] = [];
  let throwing = false;
  const logs: string[] = [];
  const mitm = createMitmServer({
    shouldIntercept: (host) => host !== "localhost",
    getCertificate: () => Promise.resolve({ certPem: pki.certPem, keyPem: pki.keyPem }),
    resolve: (hp) => ({ host: "127.0.0.1", port: routes[hp] ?? deadPort }),
    upstreamCa: [pki.caPem],
    health: () => ({ status: "ok" }),
    log: (_level, message) => logs.push(message),
    onCall(info): ExchangeObserver {
      if (throwing) throw new Error("observer exploded at onCall");
      let resolveEnd: (e: ExchangeEndInfo) => void = () => {};
      const rec: Recorded = {
        info,
        requestBody: [],
        head: null,
        body: [],
        end: new Promise((r) => resolveEnd = r),
      };
      calls.push(rec);
      return {
        onRequestBody: (c) => rec.requestBody.push(c.slice()),
        onResponseHead: (h) => rec.head = h,
        onResponseBody: (c) => rec.body.push(c.slice()),
        onEnd: (e) => resolveEnd(e),
      };
    },
  });
  const { port } = await mitm.listen(0);
  const proxy = `http://127.0.0.1:${port}`;
  const caFile = `${pki.dir}/ca.pem`;
  const curl = async (args: string[]) => {
    const out = await new Deno.Command("curl", {
      args: ["-sS", "--noproxy", "", "-x", proxy, "--cacert", caFile, ...args],
      stdout: "piped",
      stderr: "piped",
      env: { HTTPS_PROXY: "", https_proxy: "", ALL_PROXY: "" },
    }).output();
    return { code: out.code, stdout: out.stdout, stderr: new TextDecoder().decode(out.stderr) };
  };

  try {
    await t.step("GET /health answers 200 with the health JSON", async () => {
      const raw = await rawProxyRequest(
        port,
        new TextEncoder().encode("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"),
      );
      assert.match(raw, /^HTTP\/1\.1 200 OK\r\n/);
      assert.ok(raw.endsWith('{"status":"ok"}'), raw);
    });

    await t.step("malformed proxy requests get 400, oversized heads 431", async () => {
      const enc = new TextEncoder();
      assert.match(
        await rawProxyRequest(port, enc.encode("CONNECT nohostport HTTP/1.1\r\n\r\n")),
        /^HTTP\/1\.1 400 /,
      );
      assert.match(await rawProxyRequest(port, enc.encode("GARBAGE\r\n\r\n")), /^HTTP\/1\.1 400 /);
      assert.match(
        await rawProxyRequest(port, enc.encode("GET /other HTTP/1.1\r\n\r\n")),
        /^HTTP\/1\.1 400 /,
      );
      const huge = "CONNECT a.b:443 HTTP/1.1\r\nx: " + "a".repeat(70_000) + "\r\n\r\n";
      assert.match(await rawProxyRequest(port, enc.encode(huge)), /^HTTP\/1\.1 431 /);
    });

    await t.step("plain JSON: byte-identical, observer sees request and response", async () => {
      const body = JSON.stringify({ model: "claude-x", max_tokens: 5 });
      const r = await curl([
        "--proxy-user",
        "myproject:x",
        "-H",
        "content-type: application/json",
        "-H",
        "X-Api-Key: sk-test",
        "https://api.anthropic.com/v1/messages?beta=true",
        "-d",
        body,
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(new TextDecoder().decode(r.stdout), PLAIN_BODY);
      const rec = calls.at(-1)!;
      const end = await rec.end;
      assert.equal(rec.info.host, "api.anthropic.com");
      assert.equal(rec.info.port, 443);
      assert.equal(rec.info.method, "POST");
      assert.equal(rec.info.path, "/v1/messages");
      assert.equal(rec.info.query, "beta=true");
      assert.equal(rec.info.headers.get("x-api-key"), "sk-test");
      assert.equal(rec.info.proxyAuthorization, `Basic ${btoa("myproject:x")}`);
      assert.equal(new TextDecoder().decode(concat(rec.requestBody)), body);
      assert.equal(rec.head?.status, 200);
      assert.equal(rec.head?.headers.get("request-id"), "req_1");
      assert.equal(new TextDecoder().decode(concat(rec.body)), PLAIN_BODY);
      assert.equal(end.error, undefined);
      assert.equal(end.bytesUp, body.length);
      assert.equal(end.bytesDown, PLAIN_BODY.length);
      assert.equal(end.status, 200);
      assert.ok(end.ttfbMs !== null && end.ttfbMs >= 0);
      // upstream got the request unchanged, minus proxy hop-by-hop headers
      assert.equal(upstream.lastRequest?.headers.get("x-api-key"), "sk-test");
      assert.equal(upstream.lastRequest?.headers.get("proxy-authorization"), null);
    });

    await t.step(
      "gzip and br: compressed bytes forwarded as-is, observer gets decoded text",
      async () => {
        for (const [path, expected] of [["/gzip", GZIP_BODY], ["/br", BR_BODY]] as const) {
          const r = await curl(["--raw", `https://api.anthropic.com${path}`]);
          assert.equal(r.code, 0, r.stderr);
          assert.deepEqual(r.stdout, new Uint8Array(expected), `${path} bytes differ`);
          const rec = calls.at(-1)!;
          const end = await rec.end;
          assert.equal(end.decodeError, undefined);
          assert.equal(new TextDecoder().decode(concat(rec.body)), TEXT);
          assert.equal(end.bytesDown, expected.length);
        }
      },
    );

    await t.step("chunked and 20 MB bodies arrive identical", async () => {
      const r = await curl(["https://api.anthropic.com/chunked"]);
      assert.equal(new TextDecoder().decode(r.stdout), "chunk-0;chunk-1;chunk-2;chunk-3;chunk-4;");
      const b = await curl(["https://api.anthropic.com/big"]);
      assert.equal(b.code, 0, b.stderr);
      assert.equal(b.stdout.length, big.length);
      assert.equal(await sha256(b.stdout), await sha256(big));
      // and a 3 MB upload reaches the upstream intact
      const upload = `${pki.dir}/upload.bin`;
      await Deno.writeFile(upload, big.subarray(0, 3 * 1024 * 1024));
      const e = await curl(["https://api.anthropic.com/echo", "--data-binary", `@${upload}`]);
      assert.equal(await sha256(e.stdout), await sha256(big.subarray(0, 3 * 1024 * 1024)));
    });

    await t.step("keep-alive: several requests share one CONNECT", async () => {
      const before = mitm.stats();
      const r = await curl([
        "https://api.anthropic.com/v1/messages",
        "https://api.anthropic.com/v1/messages",
        "https://api.anthropic.com/v1/messages",
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(new TextDecoder().decode(r.stdout), PLAIN_BODY.repeat(3));
      const after = mitm.stats();
      assert.equal(after.totalConnects - before.totalConnects, 1);
      assert.equal(after.totalExchanges - before.totalExchanges, 3);
    });

    await t.step("SSE: each event reaches the client before the next is sent", async () => {
      const c = await Deno.connect({ hostname: "127.0.0.1", port });
      const enc = new TextEncoder();
      await c.write(
        enc.encode("CONNECT api.anthropic.com:443 HTTP/1.1\r\nHost: api.anthropic.com:443\r\n\r\n"),
      );
      const buf = new Uint8Array(65536);
      const n = await c.read(buf);
      assert.match(new TextDecoder().decode(buf.subarray(0, n ?? 0)), /^HTTP\/1\.1 200 /);
      const tlsConn = await Deno.startTls(c, {
        hostname: "api.anthropic.com",
        caCerts: [pki.caPem],
      });
      await tlsConn.write(enc.encode("GET /sse HTTP/1.1\r\nHost: api.anthropic.com\r\n\r\n"));
      const arrivals: number[] = [];
      let text = "";
      while (arrivals.length < SSE_EVENTS) {
        const m = await tlsConn.read(buf);
        if (m === null) break;
        text += new TextDecoder().decode(buf.subarray(0, m));
        const seen = (text.match(/data: /g) ?? []).length;
        while (arrivals.length < seen) arrivals.push(performance.now());
      }
      tlsConn.close();
      assert.equal(arrivals.length, SSE_EVENTS);
      for (let i = 0; i + 1 < SSE_EVENTS; i++) {
        assert.ok(
          arrivals[i] < upstream.sseSentAt[i + 1],
          `event ${i} arrived at ${arrivals[i]}, after event ${i + 1} was sent at ${
            upstream.sseSentAt[i + 1]
          }`,
        );
      }
      await calls.at(-1)!.end;
    });

    await t.step("client abort mid-stream aborts upstream, onEnd client_aborted", async () => {
      const c = await Deno.connect({ hostname: "127.0.0.1", port });
      const enc = new TextEncoder();
      await c.write(enc.encode("CONNECT api.anthropic.com:443 HTTP/1.1\r\n\r\n"));
      const buf = new Uint8Array(65536);
      await c.read(buf);
      const tlsConn = await Deno.startTls(c, {
        hostname: "api.anthropic.com",
        caCerts: [pki.caPem],
      });
      await tlsConn.write(enc.encode("GET /sse HTTP/1.1\r\nHost: api.anthropic.com\r\n\r\n"));
      let text = "";
      while (!text.includes("data: ")) {
        const m = await tlsConn.read(buf);
        if (m === null) break;
        text += new TextDecoder().decode(buf.subarray(0, m));
      }
      tlsConn.close();
      const end = await calls.at(-1)!.end;
      assert.equal(end.error?.kind, "client_aborted");
    });

    await t.step("an observer that throws does not break the request", async () => {
      throwing = true;
      const before = mitm.stats().observerErrors;
      const r = await curl(["https://api.anthropic.com/v1/messages"]);
      throwing = false;
      assert.equal(r.code, 0, r.stderr);
      assert.equal(new TextDecoder().decode(r.stdout), PLAIN_BODY);
      assert.equal(mitm.stats().observerErrors, before + 1);
    });

    await t.step("upstream signed by an unknown CA: 502, verification is on", async () => {
      const r = await curl(["-i", "https://untrusted.test/v1/messages"]);
      const text = new TextDecoder().decode(r.stdout);
      assert.match(text, /^HTTP\/1\.1 502 /m); // after curl's own CONNECT 200
      assert.match(text, /x-halton-meter-error: upstream_tls/i);
      assert.match(text, /"type":"halton_meter_upstream_error"/);
      const end = await calls.at(-1)!.end;
      assert.equal(end.error?.kind, "upstream_tls");
      assert.equal(end.status, 502);
    });

    await t.step("upstream refused: 502", async () => {
      const r = await curl(["-i", "https://refused.test/v1/messages"]);
      const text = new TextDecoder().decode(r.stdout);
      assert.match(text, /^HTTP\/1\.1 502 /m); // after curl's own CONNECT 200
      assert.match(text, /x-halton-meter-error: upstream_refused/i);
      assert.equal((await calls.at(-1)!.end).error?.kind, "upstream_refused");
    });

    await t.step("upstream dies mid-body: the client sees an error, not a clean end", async () => {
      const r = await curl(["https://api.anthropic.com/abrupt"]);
      assert.notEqual(r.code, 0, "curl should fail on a truncated body");
      const end = await calls.at(-1)!.end;
      assert.equal(end.error?.kind, "upstream_reset");
    });

    await t.step("no SNI (IP host): the CONNECT host picks the certificate", async () => {
      const r = await curl(["https://127.0.0.1/v1/messages"]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(new TextDecoder().decode(r.stdout), PLAIN_BODY);
      assert.equal(calls.at(-1)!.info.host, "127.0.0.1");
    });

    await t.step("a client that rejects our certificate is a counted TLS failure", async () => {
      const before = mitm.stats().tlsFailures;
      const out = await new Deno.Command("curl", {
        args: [
          "-sS",
          "--noproxy",
          "",
          "-x",
          proxy,
          "--cacert",
          `${pki.dir}/otherca.pem`,
          "https://api.anthropic.com/",
        ],
        stdout: "null",
        stderr: "null",
      }).output();
      assert.notEqual(out.code, 0);
      // the failure is reported asynchronously after the alert reaches us
      for (let i = 0; i < 50; i++) {
        const now = mitm.stats().tlsFailures;
        if (
          Object.values(now).reduce((a, b) => a + b) > Object.values(before).reduce((a, b) => a + b)
        ) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      const after = mitm.stats().tlsFailures;
      assert.equal(after["cert-rejected"], before["cert-rejected"] + 1);
    });

    await t.step("non-intercepted host: raw tunnel, no observer call", async () => {
      const before = calls.length;
      const tunnelsBefore = mitm.stats().totalTunnels;
      const r = await curl(["https://localhost/v1/messages"]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(new TextDecoder().decode(r.stdout), PLAIN_BODY);
      assert.equal(calls.length, before);
      assert.equal(mitm.stats().totalTunnels, tunnelsBefore + 1);
    });
    await t.step("close(deadline) lets an in-flight stream finish, then refuses", async () => {
      const sse = curl(["https://api.anthropic.com/sse"]);
      while (mitm.stats().activeExchanges === 0) await new Promise((r) => setTimeout(r, 10));
      await mitm.close(5000);
      const r = await sse;
      assert.equal(r.code, 0, r.stderr);
      assert.equal((new TextDecoder().decode(r.stdout).match(/data: /g) ?? []).length, SSE_EVENTS);
      const refused = await curl(["https://api.anthropic.com/v1/messages"]);
      assert.notEqual(refused.code, 0);
    });
  } finally {
    await mitm.close(2000);
    await upstream.close();
    await untrusted.close();
    await Deno.remove(pki.dir, { recursive: true });
  }
});

Deno.test("mitm engine: request body beyond the cap is forwarded whole, observer told truncated", async () => {
  const pki = await makeTestPki(["api.anthropic.com"]);
  const upstream = await startFakeUpstream(pki.certPem, pki.keyPem, bigBody(16));
  let seen = 0;
  let endInfo: { bytes: number; truncated: boolean } | null = null;
  const mitm = createMitmServer({
    shouldIntercept: () => true,
    getCertificate: () => Promise.resolve({ certPem: pki.certPem, keyPem: pki.keyPem }),
    resolve: () => ({ host: "127.0.0.1", port: upstream.port }),
    upstreamCa: [pki.caPem],
    health: () => ({ status: "ok" }),
    maxRequestBodyBytes: 10,
    onCall: () => ({
      onRequestBody: (c) => seen += c.length,
      onRequestEnd: (i) => endInfo = i,
    }),
  });
  const { port } = await mitm.listen(0);
  try {
    const body = "0123456789abcdefghij";
    const out = await new Deno.Command("curl", {
      args: [
        "-sS",
        "--noproxy",
        "",
        "-x",
        `http://127.0.0.1:${port}`,
        "--cacert",
        `${pki.dir}/ca.pem`,
        "https://api.anthropic.com/echo",
        "-d",
        body,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(new TextDecoder().decode(out.stdout), body);
    assert.equal(seen, 10);
    assert.deepEqual(endInfo, { bytes: 20, truncated: true });
  } finally {
    await mitm.close(1000);
    await upstream.close();
    await Deno.remove(pki.dir, { recursive: true });
  }
});
