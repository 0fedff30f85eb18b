/**
 * Black-box tests of the whole chain: client → edge → daemon → fake provider (loopback only),
 * started through `main.ts up`, read back through the HTTP API.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { run } from "./_support/net.ts";
import { loadExchange } from "./_support/fake_provider.ts";
import { api, curlArgs, type Row, startMeter, stopMeter, waitRows } from "./_support/meter.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const ANTHROPIC_KEY = "sk-ant-test-SECRET-KEY-12345";
const OPENAI_KEY = "sk-proj-test-SECRET-KEY-67890";
const PY_KEY = "sk-ant-test-PYTHON-KEY-24680";
const CURL_KEY = "sk-ant-test-CURL-KEY-13579";
const TESTDATA = `${ROOT}adapters/testdata`;

function assertUsage(row: Row, exchange: string) {
  const e = loadExchange(exchange).expected;
  assert.equal(row.input_tokens, e.inputTokens, "input_tokens");
  assert.equal(row.output_tokens, e.outputTokens, "output_tokens");
  assert.equal(row.cache_read_tokens, e.cacheReadTokens, "cache_read_tokens");
  assert.equal(row.cache_write_5m_tokens, e.cacheWrite5mTokens, "cache_write_5m_tokens");
  assert.equal(row.cache_write_1h_tokens, e.cacheWrite1hTokens, "cache_write_1h_tokens");
  assert.equal(row.response_model, e.responseModel);
  assert.equal(row.usage_completeness, e.completeness);
}

function assertPriced(row: Row) {
  assert.equal(typeof row.cost_usd, "number", `cost_usd ${row.cost_usd}`);
  assert.ok((row.cost_usd as number) > 0, `cost_usd ${row.cost_usd}`);
  assert.equal(row.unpriced_reason, null);
}

function requestBody(exchange: string): string {
  return Deno.readTextFileSync(`${TESTDATA}/${exchange}.request.json`);
}

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** Runs curl, recording `performance.now()` each time a chunk of stdout arrives. */
async function curlTimed(args: string[]) {
  const child = new Deno.Command("curl", { args, stdout: "piped", stderr: "piped" }).spawn();
  const chunks: { at: number; bytes: Uint8Array }[] = [];
  for await (const c of child.stdout) chunks.push({ at: performance.now(), bytes: c });
  const stderr = new TextDecoder().decode((await child.output()).stderr);
  const status = await child.status;
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.bytes.length, 0));
  let off = 0;
  for (const c of chunks) {
    all.set(c.bytes, off);
    off += c.bytes.length;
  }
  return { code: status.code, stderr, chunks, all };
}

Deno.test("metered chain: curl, SDKs, Python requests, streaming, gzip, errors, API", async (t) => {
  const m = await startMeter();
  try {
    await t.step("(a) curl plain anthropic: identical body, exact row", async () => {
      const ex = loadExchange("anthropic/plain");
      const r = await run("curl", [
        ...curlArgs(m, "myproj", CURL_KEY, ["-d", requestBody("anthropic/plain")]),
        "https://api.anthropic.com/v1/messages",
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, new TextDecoder().decode(ex.body));
      const [row] = await waitRows(m, "myproj");
      assertUsage(row, "anthropic/plain");
      assertPriced(row);
      assert.equal(row.project, "myproj");
      assert.equal(row.status, 200);
      assert.equal(row.provider, "anthropic");
    });

    await t.step(
      "(b) streamed anthropic with cache 5m/1h: each event before the next is sent",
      async () => {
        const ex = loadExchange("anthropic/stream_cache_5m_1h");
        const r = await curlTimed([
          ...curlArgs(m, "streamproj", CURL_KEY, [
            "-N",
            "-H",
            "x-fake-exchange: anthropic/stream_cache_5m_1h",
            "-H",
            "x-fake-delay-ms: 150",
            "-H",
            "x-fake-id: stream-b",
            "-d",
            requestBody("anthropic/stream_cache_5m_1h"),
          ]),
          "https://api.anthropic.com/v1/messages",
        ]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(sha256(r.all), sha256(ex.body));
        const sent = m.fake.sent.get("stream-b")!;
        assert.ok(sent.length >= 5, `only ${sent.length} events`);
        // When did the client have event i complete? (events end with a blank line)
        const received: number[] = [];
        let text = "";
        for (const c of r.chunks) {
          text += new TextDecoder().decode(c.bytes);
          const n = text.split("\n\n").length - 1;
          while (received.length < n) received.push(c.at);
        }
        assert.equal(received.length, sent.length);
        for (let i = 0; i + 1 < sent.length; i++) {
          assert.ok(
            received[i] < sent[i + 1],
            `event ${i} reached the client at ${
              received[i].toFixed(1)
            } ms, after the fake sent event ${i + 1} at ${sent[i + 1].toFixed(1)} ms`,
          );
        }
        const [row] = await waitRows(m, "streamproj");
        assertUsage(row, "anthropic/stream_cache_5m_1h");
        assertPriced(row);
        assert.equal(row.stream, true);
      },
    );

    await t.step("(c) gzip body passes compressed, row decoded from the tee", async () => {
      const r = await curlTimed([
        ...curlArgs(m, "gzipproj", CURL_KEY, [
          "-H",
          "x-fake-gzip: 1",
          "-H",
          "x-fake-id: gzip-c",
          "-d",
          requestBody("anthropic/plain"),
        ]),
        "https://api.anthropic.com/v1/messages",
      ]);
      assert.equal(r.code, 0, r.stderr);
      const sentBytes = m.fake.bodies.get("gzip-c")!;
      assert.equal(r.all[0], 0x1f, "client got a gzip stream");
      assert.equal(sha256(r.all), sha256(sentBytes));
      const [row] = await waitRows(m, "gzipproj");
      assertUsage(row, "anthropic/plain");
      assertPriced(row);
    });

    await t.step("(d) @anthropic-ai/sdk and openai SDKs in a Deno subprocess", async () => {
      const env = {
        ...Deno.env.toObject(),
        // Deno ignores a proxy URL with a user but no password: give it one.
        HTTPS_PROXY: `http://sdkproj:x@127.0.0.1:${m.ports.edge}`,
        DENO_CERT: `${m.home}/ca/halton-meter-ca.pem`,
        NO_COLOR: "1",
      };
      delete (env as Record<string, string | undefined>).NO_PROXY;
      delete (env as Record<string, string | undefined>).no_proxy;
      const script = `
        import Anthropic from "@anthropic-ai/sdk";
        import OpenAI from "openai";
        const a = new Anthropic({ apiKey: ${JSON.stringify(ANTHROPIC_KEY)}, maxRetries: 0 });
        const msg = await a.messages.create({
          model: "claude-sonnet-4-5-20250929", max_tokens: 64,
          messages: [{ role: "user", content: "hi" }],
        });
        const o = new OpenAI({ apiKey: ${JSON.stringify(OPENAI_KEY)}, maxRetries: 0 });
        const stream = await o.chat.completions.create({
          model: "gpt-4o-mini", stream: true, stream_options: { include_usage: true },
          messages: [{ role: "user", content: "Say something about streaming." }],
        });
        let usage = null;
        for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
        console.log(JSON.stringify({ anthropic: msg.usage, openai: usage }));
      `;
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["eval", "--quiet", "--config", `${ROOT}deno.json`, script],
        cwd: ROOT,
        env,
        clearEnv: true,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 0, stderr);
      const result = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
      const ea = loadExchange("anthropic/plain").expected;
      assert.equal(result.anthropic.input_tokens, ea.inputTokens);
      assert.equal(result.anthropic.output_tokens, ea.outputTokens);
      const eo = loadExchange("openai_chat/stream_include_usage").expected;
      assert.equal(result.openai.prompt_tokens, eo.inputTokens);
      assert.equal(result.openai.completion_tokens, eo.outputTokens);
      const rows = await waitRows(m, "sdkproj", 2);
      const byProvider = new Map(rows.map((r) => [r.provider, r]));
      assertUsage(byProvider.get("anthropic")!, "anthropic/plain");
      assertPriced(byProvider.get("anthropic")!);
      assertUsage(byProvider.get("openai")!, "openai_chat/stream_include_usage");
      assertPriced(byProvider.get("openai")!);
    });

    await t.step("(g) unknown model: no cost, reason unpriced", async () => {
      const r = await run("curl", [
        ...curlArgs(m, "unknownproj", CURL_KEY, [
          "-H",
          "x-fake-model: claude-nonexistent-9-20990101",
          "-H",
          "x-fake-id: unknown-g",
          "-d",
          requestBody("anthropic/plain").replace(
            "claude-sonnet-4-5-20250929",
            "claude-nonexistent-9-20990101",
          ),
        ]),
        "https://api.anthropic.com/v1/messages",
      ]);
      assert.equal(
        r.code,
        0,
        `${r.stderr}\nfake saw the head: ${m.fake.requests.has("unknown-g:head")}, the body: ${
          m.fake.requests.has("unknown-g")
        }\ndaemon log:\n${(await Deno.readTextFile(`${m.home}/logs/daemon.log`)).slice(-3000)}`,
      );
      assert.match(r.stdout, /claude-nonexistent-9-20990101/);
      const [row] = await waitRows(m, "unknownproj");
      assert.equal(row.response_model, "claude-nonexistent-9-20990101");
      assert.equal(row.input_tokens, 12);
      assert.equal(row.cost_usd, null);
      assert.equal(row.unpriced_reason, "unpriced");
    });

    await t.step("(h) abrupt close mid-stream: client sees it, row is incomplete", async () => {
      const ex = loadExchange("anthropic/stream_truncated");
      const r = await curlTimed([
        ...curlArgs(m, "abortproj", CURL_KEY, [
          "-N",
          "-H",
          "x-fake-exchange: anthropic/stream_truncated",
          "-H",
          "x-fake-abort: 1",
          "-d",
          requestBody("anthropic/stream_truncated"),
        ]),
        "https://api.anthropic.com/v1/messages",
      ]);
      assert.notEqual(r.code, 0, "curl should report the cut transfer");
      assert.ok(r.all.length <= ex.body.length);
      const [row] = await waitRows(m, "abortproj");
      assert.equal(row.usage_completeness, "incomplete");
      assert.equal(row.input_tokens, ex.expected.inputTokens);
    });

    await t.step("(e) Python requests with the combined bundle", async () => {
      const r = await run("python3", [
        `${ROOT}tests/_support/requests_client.py`,
        `http://pyproj:@127.0.0.1:${m.ports.edge}`,
        `${m.home}/ca/ca-bundle.pem`,
        PY_KEY,
        `${TESTDATA}/anthropic/plain.request.json`,
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, new TextDecoder().decode(loadExchange("anthropic/plain").body));
      const [row] = await waitRows(m, "pyproj");
      assertUsage(row, "anthropic/plain");
      assertPriced(row);
      assert.equal(row.status, 200);
    });

    // Regression: this call used to hang about every other run (upstream never saw it). The
    // Python call's exchange left a zero-length write pending on the pooled upstream TLS socket,
    // which Deno's node:tls never completes; see daemon/mitm/guard_empty_writes.ts.
    await t.step("(e2) a curl call right after Python requests", async () => {
      const r = await run("curl", [
        ...curlArgs(m, "afterpy", CURL_KEY, ["-d", requestBody("anthropic/plain")]),
        "https://api.anthropic.com/v1/messages",
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, new TextDecoder().decode(loadExchange("anthropic/plain").body));
      const [row] = await waitRows(m, "afterpy");
      assertUsage(row, "anthropic/plain");
    });

    await t.step("(e3) unreadable bodies are recorded with what went wrong", async () => {
      const cases = [
        ["anthropic/stream_usage_nan", "https://api.anthropic.com/v1/messages"],
        ["anthropic/plain_gzip_garbage", "https://api.anthropic.com/v1/messages"],
        ["openai_chat/error_502_html", "https://api.openai.com/v1/chat/completions"],
      ] as const;
      for (const [exchange, url] of cases) {
        const project = exchange.replaceAll(/[^a-z0-9]/g, "-");
        const r = await run("curl", [
          ...curlArgs(m, project, CURL_KEY, [
            "-o",
            "/dev/null",
            "-H",
            `x-fake-exchange: ${exchange}`,
            "-d",
            requestBody(exchange),
          ]),
          url,
        ]);
        assert.equal(r.code, 0, r.stderr);
        const [row] = await waitRows(m, project);
        const e = loadExchange(exchange).expected;
        assert.equal(row.error_type, e.errorType, exchange);
        assert.equal(row.error_message, e.errorMessage, exchange);
        assertUsage(row, exchange);
        assert.equal(row.cost_usd, null, `${exchange}: no cost from usage we could not read`);
      }
    });

    await t.step("(j) API: token required, foreign Host refused", async () => {
      const noToken = await fetch(`http://127.0.0.1:${m.ports.api}/v1/calls`);
      assert.equal(noToken.status, 401);
      await noToken.body?.cancel();
      const r = await run("curl", [
        "-sS",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "-H",
        `Authorization: Bearer ${m.token}`,
        "-H",
        "Host: evil.example",
        `http://127.0.0.1:${m.ports.api}/v1/calls`,
      ]);
      assert.equal(r.stdout, "403");
      const ok = await api(m, "/v1/calls?project=myproj");
      assert.equal(ok.status, 200);
      assert.equal(ok.body.calls.length, 1, "project filter");
    });

    await t.step("(f) no API key anywhere under HALTON_METER_HOME", async () => {
      const code = await m.up.stop("SIGTERM");
      assert.equal(code, 0, m.up.stderr());
      const keys = [ANTHROPIC_KEY, OPENAI_KEY, PY_KEY, CURL_KEY];
      const hits: string[] = [];
      let files = 0;
      const walk = async (dir: string) => {
        for await (const e of Deno.readDir(dir)) {
          const p = `${dir}/${e.name}`;
          if (e.isDirectory) await walk(p);
          else if (e.isFile) {
            files++;
            const text = new TextDecoder("latin1").decode(await Deno.readFile(p));
            for (const k of keys) if (text.includes(k)) hits.push(`${p}: ${k}`);
          }
        }
      };
      await walk(m.home);
      assert.ok(files >= 3, `only ${files} files under home`);
      assert.deepEqual(hits, []);
    });
  } finally {
    await stopMeter(m);
  }
});

Deno.test("store locked by another writer: calls still succeed, rows land after release", async () => {
  const m = await startMeter();
  try {
    const { DatabaseSync } = await import("node:sqlite");
    const db = new DatabaseSync(`${m.home}/db.sqlite`);
    let locked = false;
    try {
      db.exec("PRAGMA busy_timeout = 0");
      // The store runs in WAL mode: an IMMEDIATE (= EXCLUSIVE in WAL) transaction holds the
      // write lock, so the daemon's BEGIN IMMEDIATE fails with SQLITE_BUSY; readers still read.
      db.exec("BEGIN IMMEDIATE");
      locked = true;
      const body = new TextDecoder().decode(loadExchange("anthropic/plain").body);
      for (let i = 0; i < 3; i++) {
        const r = await run("curl", [
          ...curlArgs(m, "lockproj", CURL_KEY, ["-d", requestBody("anthropic/plain")]),
          "https://api.anthropic.com/v1/messages",
        ]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, body);
      }
      // Rows are flushed in batches: wait until the store has tried and given up.
      let health: { store?: { state?: string; reason?: string } } = {};
      const end = Date.now() + 8000;
      while (Date.now() < end) {
        const res = await fetch(`http://127.0.0.1:${m.ports.api}/health`);
        health = await res.json();
        if (health.store?.state === "degraded") break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(health.store?.state, "degraded", JSON.stringify(health));
      assert.equal((await api(m, "/v1/calls?project=lockproj")).body.calls.length, 0);
      db.exec("ROLLBACK");
      locked = false;
      const released = performance.now();
      const rows = await waitRows(m, "lockproj", 3, 10_000);
      console.log(`rows back ${Math.round(performance.now() - released)} ms after release`);
      assert.equal(rows.length, 3);
      for (const row of rows) assertUsage(row, "anthropic/plain");
    } finally {
      if (locked) db.exec("ROLLBACK");
      db.close();
    }
    const code = await m.up.stop("SIGTERM");
    assert.equal(code, 0, m.up.stderr());
  } finally {
    await stopMeter(m);
  }
});
