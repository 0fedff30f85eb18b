/**
 * The decision step: with an observer that has `decide`, the engine reads the request body
 * (up to the cap) before anything goes upstream, answers a block itself, marks a warning on
 * the response, and treats a failing decision as allow.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createMitmServer } from "./create_mitm_server.ts";
import type { Decision, ExchangeEndInfo, ExchangeObserver } from "./types.ts";
import { makeTestPki } from "./_test_certs.ts";
import { bigBody, PLAIN_BODY, startFakeUpstream } from "./_fake_upstream.ts";

const enc = new TextEncoder();
const BLOCK_BODY =
  '{"type":"error","error":{"type":"billing_error","message":"budget b1 is spent"}}';

type Mode = "allow" | "warn" | "block" | "throw" | "async-block" | "none";

Deno.test("decision step: block answers without the upstream, warn marks, failures allow", async (t) => {
  const pki = await makeTestPki(["api.anthropic.com"]);
  const upstream = await startFakeUpstream(pki.certPem, pki.keyPem, bigBody(1024));
  let mode: Mode = "allow";
  const seen: { bodyAtDecide: number; end: Promise<ExchangeEndInfo> }[] = [];
  const logs: string[] = [];
  const mitm = createMitmServer({
    shouldIntercept: () => true,
    getCertificate: () => Promise.resolve({ certPem: pki.certPem, keyPem: pki.keyPem }),
    resolve: () => ({ host: "127.0.0.1", port: upstream.port }),
    upstreamCa: [pki.caPem],
    health: () => ({ status: "ok" }),
    maxRequestBodyBytes: 64 * 1024,
    log: (_l, m) => logs.push(m),
    onCall(): ExchangeObserver {
      let body = 0;
      let resolveEnd: (e: ExchangeEndInfo) => void = () => {};
      const rec = { bodyAtDecide: -1, end: new Promise<ExchangeEndInfo>((r) => resolveEnd = r) };
      seen.push(rec);
      const current = mode;
      const obs: ExchangeObserver = {
        onRequestBody: (c) => body += c.length,
        onEnd: (e) => resolveEnd(e),
      };
      if (current === "none") return obs;
      const block: Decision = {
        action: "block",
        status: 402,
        reason: "Payment Required",
        headers: [["content-type", "application/json"], ["x-should-retry", "false"]],
        body: enc.encode(BLOCK_BODY),
      };
      obs.decide = () => {
        rec.bodyAtDecide = body;
        if (current === "throw") throw new Error("policy exploded");
        if (current === "warn") return { action: "warn", warning: "budget b1 at 85%" };
        if (current === "block") return block;
        if (current === "async-block") {
          return new Promise<Decision>((r) => setTimeout(() => r(block), 20));
        }
        return { action: "allow" };
      };
      return obs;
    },
  });
  const { port } = await mitm.listen(0);
  const curl = async (args: string[]) => {
    const out = await new Deno.Command("curl", {
      args: [
        "-sS",
        "-i",
        "--noproxy",
        "",
        "-x",
        `http://127.0.0.1:${port}`,
        "--cacert",
        `${pki.dir}/ca.pem`,
        ...args,
      ],
      stdout: "piped",
      stderr: "piped",
      env: { HTTPS_PROXY: "", https_proxy: "", ALL_PROXY: "" },
    }).output();
    return {
      code: out.code,
      text: new TextDecoder().decode(out.stdout),
      stderr: new TextDecoder().decode(out.stderr),
    };
  };
  const url = "https://api.anthropic.com/v1/messages";
  const json = JSON.stringify({ model: "claude-x", max_tokens: 5 });

  try {
    await t.step("block: our answer, nothing upstream, keep-alive goes on", async () => {
      mode = "block";
      const before = upstream.requests;
      // Two requests on one connection: the second must still be served after the block.
      const r = await curl(["-d", json, url, url]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.text.match(/HTTP\/1\.1 402 Payment Required/g)?.length, 2, r.text);
      assert.match(r.text, /x-should-retry: false/);
      assert.ok(r.text.includes(BLOCK_BODY));
      assert.equal(upstream.requests, before, "a blocked call must not reach the upstream");
      const end = await seen.at(-1)!.end;
      assert.equal(end.blocked, true);
      assert.equal(end.status, 402);
      assert.equal(end.bytesUp, 0);
      assert.equal(end.bytesDown, BLOCK_BODY.length);
      assert.equal(
        seen.at(-1)!.bodyAtDecide,
        json.length,
        `decide saw ${seen.map((s) => s.bodyAtDecide)}`,
      );
    });

    await t.step("a decision that resolves later is awaited", async () => {
      mode = "async-block";
      const before = upstream.requests;
      const r = await curl(["-d", json, url]);
      assert.match(r.text, /\r\n\r\nHTTP\/1\.1 402 /);
      assert.equal(upstream.requests, before);
    });

    await t.step("warn: forwarded unchanged, marked with x-halton-meter-warning", async () => {
      mode = "warn";
      const r = await curl(["-d", json, url]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.text, /\r\n\r\nHTTP\/1\.1 200 /);
      assert.match(r.text, /\r\nx-halton-meter-warning: budget b1 at 85%\r\n/);
      assert.ok(r.text.endsWith(PLAIN_BODY));
      assert.equal(new TextDecoder().decode(upstream.lastRequest!.body), json);
    });

    await t.step("a throwing decision allows the call and is logged", async () => {
      mode = "throw";
      const before = upstream.requests;
      const r = await curl(["-d", json, url]);
      assert.match(r.text, /\r\n\r\nHTTP\/1\.1 200 /);
      assert.equal(upstream.requests, before + 1);
      assert.ok(logs.some((l) => l.includes("decide")), logs.join("\n"));
    });

    await t.step("bodies past the cap: decided on the prefix, forwarded whole", async () => {
      mode = "allow";
      const big = "x".repeat(200 * 1024);
      const body = JSON.stringify({ model: "claude-x", filler: big });
      const file = await Deno.makeTempFile();
      await Deno.writeTextFile(file, body);
      try {
        for (const chunked of [false, true]) {
          const r = await curl([
            ...(chunked ? ["-H", "transfer-encoding: chunked"] : []),
            "--data-binary",
            `@${file}`,
            url,
          ]);
          assert.match(r.text, /\r\n\r\nHTTP\/1\.1 200 /, r.stderr);
          const got = upstream.lastRequest!.body;
          const sha = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");
          assert.equal(sha(got), sha(body), `chunked=${chunked}: upstream body differs`);
          const rec = seen.at(-1)!;
          assert.ok(rec.bodyAtDecide >= 64 * 1024, `decided after ${rec.bodyAtDecide} bytes`);
          assert.ok(rec.bodyAtDecide < body.length, "decided before the whole body was read");
        }
      } finally {
        await Deno.remove(file);
      }
    });

    await t.step("block with the body only partly read: answered, then closed", async () => {
      mode = "block";
      const before = upstream.requests;
      const body = JSON.stringify({ model: "claude-x", filler: "y".repeat(300 * 1024) });
      const file = await Deno.makeTempFile();
      await Deno.writeTextFile(file, body);
      try {
        const r = await curl(["--data-binary", `@${file}`, url]);
        assert.match(r.text, /\r\n\r\nHTTP\/1\.1 402 /, r.stderr);
        assert.match(r.text, /\r\nconnection: close\r\n/);
        assert.equal(upstream.requests, before);
      } finally {
        await Deno.remove(file);
      }
    });

    await t.step("no decide: the body streams upstream as before", async () => {
      mode = "none";
      const r = await curl(["-d", json, url]);
      assert.match(r.text, /\r\n\r\nHTTP\/1\.1 200 /);
      assert.equal(seen.at(-1)!.bodyAtDecide, -1);
    });
  } finally {
    await mitm.close(1000);
    await upstream.close();
  }
});
