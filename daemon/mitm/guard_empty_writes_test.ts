import assert from "node:assert/strict";
import net from "node:net";
import tls from "node:tls";
import { guardEmptyWrites } from "./guard_empty_writes.ts";
import { makeTestPki } from "./_test_certs.ts";

const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> => {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
};

const written = (s: net.Socket, chunk: string) =>
  new Promise<void>((resolve, reject) => s.write(chunk, (err) => err ? reject(err) : resolve()));

Deno.test("guardEmptyWrites: a zero-length TLS write completes and later bytes still flow", async () => {
  const pki = await makeTestPki(["api.anthropic.com"]);
  const ctx = tls.createSecureContext({ cert: pki.certPem, key: pki.keyPem });
  let serverSide: tls.TLSSocket | undefined;
  const received: string[] = [];
  const server = net.createServer((sock) => {
    serverSide = new tls.TLSSocket(sock, { isServer: true, secureContext: ctx });
    guardEmptyWrites(serverSide);
    serverSide.on("data", (d: Uint8Array) => received.push(new TextDecoder().decode(d)));
    serverSide.on("error", () => {});
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as net.AddressInfo;
  const client = tls.connect({
    host: "127.0.0.1",
    port,
    servername: "api.anthropic.com",
    ca: pki.caPem,
  });
  try {
    await new Promise<void>((r) => client.once("secureConnect", () => r()));
    guardEmptyWrites(client);
    guardEmptyWrites(client); // idempotent: wrapping twice must not double-complete

    // Client side (the upstream pool's case): real, lone empty, real.
    await within(written(client, "head"), 2000, "first write");
    await within(written(client, ""), 2000, "zero-length write on the client socket");
    await within(written(client, "after"), 2000, "write after the empty one");
    // An empty write queued behind a pending one completes after it, in order.
    const order: string[] = [];
    client.write("x".repeat(256 * 1024), () => order.push("big"));
    client.write("", () => order.push("empty"));
    await within(new Promise<void>((r) => client.write("z", () => r())), 2000, "queued writes");
    assert.deepEqual(order, ["big", "empty"]);
    // Corked: a _writev batch made only of empty chunks.
    client.cork();
    client.write("");
    client.write("");
    const batch = written(client, "");
    client.uncork();
    await within(batch, 2000, "corked batch of empty writes");
    await within(written(client, "end"), 2000, "write after the empty batch");

    // Server side (the intercepted client connection's case).
    const got: string[] = [];
    client.on("data", (d: Uint8Array) => got.push(new TextDecoder().decode(d)));
    await within(written(serverSide! as unknown as net.Socket, ""), 2000, "server empty write");
    await within(written(serverSide! as unknown as net.Socket, "pong"), 2000, "server write");
    const deadline = Date.now() + 2000;
    while (!got.join("").includes("pong") && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(got.join(""), "pong");
    while (!received.join("").endsWith("end") && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(received.join(""), `headafter${"x".repeat(256 * 1024)}zend`);
  } finally {
    client.destroy();
    serverSide?.destroy();
    await new Promise<void>((r) => server.close(() => r()));
    await Deno.remove(pki.dir, { recursive: true });
  }
});
