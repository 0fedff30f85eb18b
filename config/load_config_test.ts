import assert from "node:assert/strict";
import { loadConfig } from "./load_config.ts";

async function withConfig(text: string | null, fn: (path: string) => void) {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/config.json`;
    if (text !== null) await Deno.writeTextFile(path, text);
    fn(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("loadConfig: missing file is the empty config", async () => {
  await withConfig(null, (path) => {
    const r = loadConfig(path);
    assert.ok(r.ok);
    assert.deepEqual(r.config, {});
    assert.equal(r.exists, false);
  });
});

Deno.test("loadConfig: valid config round-trips", async () => {
  const cfg = {
    ports: { edge: 0, internal: 18090 },
    upstream: { resolve: { "api.anthropic.com:443": "127.0.0.1:19443" }, ca_file: "/tmp/ca.pem" },
    intercept: { hosts: ["llm.corp.example", "*.corp.example"] },
    edge: { head_timeout_ms: 500 },
  };
  await withConfig(JSON.stringify(cfg), (path) => {
    const r = loadConfig(path);
    assert.ok(r.ok, r.ok ? "" : r.message);
    assert.deepEqual(r.config, cfg);
  });
});

Deno.test("loadConfig: unknown key is named, with the file", async () => {
  await withConfig(JSON.stringify({ ports: { edge: 8081, edgee: 1 } }), (path) => {
    const r = loadConfig(path);
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.ok(r.message.includes(path), r.message);
      assert.match(r.message, /unknown key "ports\.edgee"/);
    }
  });
});

Deno.test("loadConfig: bad value names the key and the expected form", async () => {
  await withConfig(JSON.stringify({ ports: { edge: "8081" } }), (path) => {
    const r = loadConfig(path);
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.message, /"ports\.edge": .*number/i);
  });
  await withConfig(JSON.stringify({ upstream: { resolve: { "nohost": "x" } } }), (path) => {
    const r = loadConfig(path);
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.message, /host:port/);
  });
});

Deno.test("loadConfig: not JSON says so", async () => {
  await withConfig("{ports:", (path) => {
    const r = loadConfig(path);
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.message, /not valid JSON/);
  });
});
