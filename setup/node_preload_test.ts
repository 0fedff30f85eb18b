/**
 * The Node preload, run by the real `node` binary (Node 20 here: no native env-proxy
 * support) against loopback servers reached only through a loopback CONNECT proxy.
 * The target host names do not resolve, so a request that skips the proxy fails.
 */
import assert from "node:assert/strict";
import { makeTestCa, type TestCa } from "../tests/_support/test_ca.ts";
import { createMemoryFiles } from "./memory_files.ts";
import {
  NODE_PRELOAD_SOURCE,
  nodeHasNativeEnvProxy,
  nodePreloadPath,
  writeNodePreload,
} from "./node_preload.ts";
import { proxyEnv } from "./proxy_env.ts";
import { NODE_VERSION as NODE } from "../tests/_support/node_version.ts";

Deno.test("nodeHasNativeEnvProxy: 22.21+, 24.5+ and later majors", () => {
  const table: Array<[string, boolean]> = [
    ["v20.20.2", false],
    ["22.20.0", false],
    ["22.21.0", true],
    ["23.11.0", false],
    ["24.4.1", false],
    ["v24.5.0", true],
    ["25.0.0", true],
    ["garbage", false],
  ];
  for (const [v, want] of table) assert.equal(nodeHasNativeEnvProxy(v), want, v);
});

Deno.test("writeNodePreload writes <home>/node/proxy-preload.cjs once", async () => {
  const files = createMemoryFiles();
  const first = await writeNodePreload(files, "/hm");
  assert.deepEqual(first, {
    action: "node preload /hm/node/proxy-preload.cjs",
    outcome: "done",
    detail: "written",
  });
  assert.equal(files.files.get(nodePreloadPath("/hm")), NODE_PRELOAD_SOURCE);
  assert.equal((await writeNodePreload(files, "/hm")).detail, "already current");
  assert.equal(files.ops.filter((o) => o.op === "write").length, 1);
});

// ---- the real node ---------------------------------------------------------------------

const SKIP = NODE === null ? " (skipped: node is not installed)" : "";

interface ConnectProxy {
  port: number;
  /** `CONNECT` lines and `Proxy-Authorization` values, in arrival order. */
  seen: string[];
  close(): void;
}

/** A CONNECT proxy that sends every tunnel to `routes[host:port]` on loopback. */
function startConnectProxy(routes: Record<string, number>, refuse = false): ConnectProxy {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const seen: string[] = [];
  const open = new Set<Deno.Conn>();
  (async () => {
    for await (const conn of listener) {
      open.add(conn);
      (async () => {
        let head = "";
        const buf = new Uint8Array(4096);
        while (!head.includes("\r\n\r\n")) {
          const n = await conn.read(buf);
          if (n === null) return;
          head += new TextDecoder().decode(buf.subarray(0, n));
        }
        const [line, ...headers] = head.split("\r\n");
        seen.push(line);
        const auth = headers.find((h) => /^proxy-authorization:/i.test(h));
        if (auth) seen.push(auth);
        const target = routes[line.split(" ")[1]];
        if (refuse || target === undefined) {
          await conn.write(new TextEncoder().encode("HTTP/1.1 403 Forbidden\r\n\r\n"));
          return;
        }
        const upstream = await Deno.connect({ hostname: "127.0.0.1", port: target });
        open.add(upstream);
        await conn.write(new TextEncoder().encode("HTTP/1.1 200 Connection Established\r\n\r\n"));
        await Promise.allSettled([
          conn.readable.pipeTo(upstream.writable),
          upstream.readable.pipeTo(conn.writable),
        ]);
      })().catch(() => {}).finally(() => {
        open.delete(conn);
        try {
          conn.close();
        } catch { /* closed */ }
      });
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    seen,
    close() {
      listener.close();
      for (const c of open) {
        try {
          c.close();
        } catch { /* closed */ }
      }
    },
  };
}

/** The client: four requests, each printed as one JSON line (body or error). */
const CLIENT = String.raw`
const http = require("http");
const https = require("https");
function get(mod, url) {
  return new Promise((resolve) => {
    mod.get(url, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve(res.statusCode + " " + body));
    }).on("error", (e) => resolve("error " + e.code + " " + e.message));
  });
}
async function viaFetch(url) {
  try {
    const r = await fetch(url);
    return r.status + " " + (await r.text());
  } catch (e) {
    return "error " + ((e.cause && e.cause.code) || e.message);
  }
}
(async () => {
  const out = {};
  out.https = await get(https, process.env.T_HTTPS);
  out.http = await get(http, process.env.T_HTTP);
  out.fetchHttps = await viaFetch(process.env.T_HTTPS);
  out.fetchHttp = await viaFetch(process.env.T_HTTP);
  out.direct = await get(http, process.env.T_DIRECT);
  console.log(JSON.stringify(out));
})();
`;

interface Bed {
  dir: string;
  ca: TestCa;
  preload: string;
  client: string;
  tlsServer: Deno.HttpServer<Deno.NetAddr>;
  plainServer: Deno.HttpServer<Deno.NetAddr>;
  close(): Promise<void>;
}

async function testBed(): Promise<Bed> {
  const dir = await Deno.makeTempDir({ prefix: "hm-node-preload-" });
  const ca = await makeTestCa(`${dir}/ca`, ["llm.halton.test", "localhost"]);
  const tlsServer = Deno.serve(
    { hostname: "127.0.0.1", port: 0, cert: ca.certPem, key: ca.keyPem, onListen() {} },
    () => new Response("tls ok"),
  );
  const plainServer = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (req) => new Response(`plain ok ${new URL(req.url).pathname}`),
  );
  const files = createMemoryFiles();
  await writeNodePreload(files, dir);
  const preload = nodePreloadPath(dir);
  await Deno.mkdir(`${dir}/node`);
  await Deno.writeTextFile(preload, String(files.files.get(preload)));
  const client = `${dir}/client.cjs`;
  await Deno.writeTextFile(client, CLIENT);
  return {
    dir,
    ca,
    preload,
    client,
    tlsServer,
    plainServer,
    async close() {
      await tlsServer.shutdown();
      await plainServer.shutdown();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

async function runClient(
  bed: Bed,
  env: Record<string, string>,
): Promise<{ code: number; out: Record<string, string>; stderr: string }> {
  const r = await new Deno.Command("node", {
    args: [bed.client],
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      T_HTTPS: "https://llm.halton.test/v1/models",
      T_HTTP: "http://plain.halton.test/hello",
      T_DIRECT: `http://127.0.0.1:${bed.plainServer.addr.port}/direct`,
      ...env,
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(r.stdout);
  const stderr = new TextDecoder().decode(r.stderr);
  let out: Record<string, string> = {};
  try {
    out = JSON.parse(stdout);
  } catch { /* reported below */ }
  return { code: r.code, out, stderr: `${stderr}\n${stdout}` };
}

function preloadEnv(bed: Bed, proxyPort: number): Record<string, string> {
  const env = proxyEnv({
    edgePort: proxyPort,
    caPath: bed.ca.caFile,
    bundlePath: bed.ca.caFile,
    project: "node app",
    nodePreloadPath: bed.preload,
  });
  return { ...env, HALTON_METER_PRELOAD_DEBUG: "1" };
}

Deno.test({
  name: `real node ${
    NODE ?? ""
  }: https, http and fetch go through the CONNECT proxy with the project; NO_PROXY goes direct${SKIP}`,
  ignore: NODE === null,
  async fn() {
    const bed = await testBed();
    const proxy = startConnectProxy({
      "llm.halton.test:443": bed.tlsServer.addr.port,
      "plain.halton.test:80": bed.plainServer.addr.port,
    });
    try {
      const r = await runClient(bed, preloadEnv(bed, proxy.port));
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(r.out, {
        https: "200 tls ok",
        http: "200 plain ok /hello",
        fetchHttps: "200 tls ok",
        fetchHttp: "200 plain ok /hello",
        direct: "200 plain ok /direct",
      }, r.stderr);
      // The URL carries the name encoded twice (proxyUrl): one decoding leaves "node%20app".
      const auth = `Proxy-Authorization: Basic ${btoa("node%20app:x")}`;
      assert.deepEqual(proxy.seen, [
        "CONNECT llm.halton.test:443 HTTP/1.1",
        auth,
        "CONNECT plain.halton.test:80 HTTP/1.1",
        auth,
        "CONNECT llm.halton.test:443 HTTP/1.1",
        auth,
        "CONNECT plain.halton.test:80 HTTP/1.1",
        auth,
      ], "127.0.0.1 is in NO_PROXY: never tunnelled");
      if (!nodeHasNativeEnvProxy(NODE ?? "")) {
        assert.match(r.stderr, /fetch routes through the proxy/);
      }
    } finally {
      proxy.close();
      await bed.close();
    }
  },
});

Deno.test({
  name:
    `real node: without the preload this Node does not reach the proxy (the test bed is real)${SKIP}`,
  ignore: NODE === null || nodeHasNativeEnvProxy(NODE ?? ""),
  async fn() {
    const bed = await testBed();
    const proxy = startConnectProxy({ "llm.halton.test:443": bed.tlsServer.addr.port });
    try {
      const { NODE_OPTIONS: _, ...env } = preloadEnv(bed, proxy.port);
      const r = await runClient(bed, env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.out.https, /^error /, r.stderr);
      assert.deepEqual(proxy.seen, []);
    } finally {
      proxy.close();
      await bed.close();
    }
  },
});

Deno.test({
  name: `real node: a version with native support leaves everything alone${SKIP}`,
  ignore: NODE === null,
  async fn() {
    const bed = await testBed();
    const proxy = startConnectProxy({ "llm.halton.test:443": bed.tlsServer.addr.port });
    try {
      // Loaded first: this process now reports a Node with native env-proxy support.
      const fake = `${bed.dir}/fake-version.cjs`;
      await Deno.writeTextFile(
        fake,
        `Object.defineProperty(process.versions, "node", { value: "24.5.0" });\n`,
      );
      const env = preloadEnv(bed, proxy.port);
      env.NODE_OPTIONS = `--require ${fake} ${env.NODE_OPTIONS}`;
      delete env.NODE_USE_ENV_PROXY; // this Node would honour it; the fake one must not matter
      const r = await runClient(bed, env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /native env-proxy support in Node 24\.5\.0: not installed/);
      assert.deepEqual(proxy.seen, [], "nothing went through the proxy");
    } finally {
      proxy.close();
      await bed.close();
    }
  },
});

Deno.test({
  name: `real node: a refusing proxy or a nonsense proxy URL never breaks the process${SKIP}`,
  ignore: NODE === null,
  async fn() {
    const bed = await testBed();
    const proxy = startConnectProxy({}, true);
    try {
      const refused = await runClient(bed, preloadEnv(bed, proxy.port));
      assert.equal(refused.code, 0, refused.stderr);
      assert.match(refused.out.https, /refused CONNECT llm\.halton\.test:443: HTTP\/1\.1 403/);
      assert.equal(refused.out.direct, "200 plain ok /direct");

      const env = preloadEnv(bed, proxy.port);
      for (const k of ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"]) {
        env[k] = "http://[not a url";
      }
      const nonsense = await runClient(bed, env);
      assert.equal(nonsense.code, 0, nonsense.stderr);
      assert.match(nonsense.stderr, /cannot parse proxy/);
      assert.equal(nonsense.out.direct, "200 plain ok /direct");
      assert.match(nonsense.out.https, /^error /, "no proxy, unresolvable host: a normal error");
    } finally {
      proxy.close();
      await bed.close();
    }
  },
});
