// End to end: a real node:tls server terminating TLS with issuer leaves, real clients.
import assert from "node:assert/strict";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import tls from "node:tls";
import { createLeafIssuer } from "./create_leaf_issuer.ts";
import { ensureCa } from "./ensure_ca.ts";
import { readSystemRoots } from "./read_system_roots.ts";
import { writeCaBundle } from "./write_ca_bundle.ts";
import { run, testKeyPem } from "./_testing.ts";

const RESPONSE = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok";

async function withServer(
  fn: (port: number, home: string, caPem: string) => Promise<void>,
): Promise<void> {
  const home = await Deno.makeTempDir({ prefix: "halton-tls-" });
  const ca = await ensureCa(home, { generateKeyPem: () => Promise.resolve(testKeyPem(0)) });
  const issuer = createLeafIssuer(ca, { generateKeyPem: () => Promise.resolve(testKeyPem(1)) });
  const server = tls.createServer({ SNICallback: issuer.sniCallback }, (socket) => {
    socket.on("error", () => {});
    socket.once("data", () => socket.end(RESPONSE));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  try {
    await fn((server.address() as AddressInfo).port, home, ca.certPem);
  } finally {
    server.close();
    await once(server, "close");
    await Deno.remove(home, { recursive: true });
  }
}

Deno.test("node:tls client trusts a leaf minted through SNICallback", async () => {
  await withServer(async (port, _home, caPem) => {
    const socket = tls.connect({
      host: "127.0.0.1",
      port,
      ca: caPem,
      servername: "api.anthropic.com",
    });
    try {
      await once(socket, "secureConnect");
      assert.equal(socket.authorized, true, String(socket.authorizationError));
      const peer = socket.getPeerCertificate();
      assert.equal(peer.subject.CN, "api.anthropic.com");
      assert.equal(peer.subjectaltname, "DNS:api.anthropic.com");
      socket.write("GET / HTTP/1.1\r\nhost: api.anthropic.com\r\n\r\n");
      const chunks: string[] = [];
      socket.on("data", (chunk: Uint8Array) => chunks.push(new TextDecoder().decode(chunk)));
      await once(socket, "end");
      assert.match(chunks.join(""), /\r\n\r\nok$/);
    } finally {
      socket.destroy();
    }
  });
});

Deno.test("node:tls client rejects the leaf without our CA", async () => {
  await withServer(async (port) => {
    const socket = tls.connect({
      host: "127.0.0.1",
      port,
      servername: "api.openai.com",
      rejectUnauthorized: false,
    });
    try {
      await once(socket, "secureConnect");
      assert.equal(socket.authorized, false);
    } finally {
      socket.destroy();
    }
  });
});

Deno.test("curl verifies the leaf with --cacert (CA alone and the combined bundle)", async () => {
  await withServer(async (port, home) => {
    const roots = await readSystemRoots();
    const bundle = await writeCaBundle(home, roots.kind === "found" ? roots.pem : "");
    for (const cacert of [`${home}/ca/halton-meter-ca.pem`, bundle]) {
      const res = await run("curl", [
        "--silent",
        "--show-error",
        "--noproxy",
        "*",
        "--max-time",
        "10",
        "--cacert",
        cacert,
        "--resolve",
        `api.anthropic.com:${port}:127.0.0.1`,
        `https://api.anthropic.com:${port}/v1/messages`,
      ]);
      assert.equal(res.code, 0, `${cacert}: ${res.stderr}`);
      assert.equal(res.stdout, "ok");
    }
  });
});
