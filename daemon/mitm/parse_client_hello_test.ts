import assert from "node:assert/strict";
import { seededRandom } from "../../adapters/_golden.ts";
import { MAX_CLIENT_HELLO_BYTES, parseClientHello } from "./parse_client_hello.ts";

/** The first bytes a real TLS client (Deno's rustls) sends to `hostname`, captured on loopback. */
async function capturedHello(hostname: string): Promise<Uint8Array> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  // startTls sends `hostname` as the SNI (none for an IP address); the handshake then fails.
  const client = Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port })
    .then((tcp) => Deno.startTls(tcp, { hostname }))
    .then((c) => c.handshake().finally(() => c.close())).catch(() => {});
  const server = await listener.accept();
  let bytes = new Uint8Array(0);
  const buf = new Uint8Array(4096);
  while (parseClientHello(bytes).kind === "incomplete") {
    const n = await server.read(buf);
    if (n === null) break;
    const next = new Uint8Array(bytes.length + n);
    next.set(bytes);
    next.set(buf.subarray(0, n), bytes.length);
    bytes = next;
  }
  server.close();
  listener.close();
  await client;
  return bytes;
}

/** The same handshake message split into records of at most `size` bytes. */
function refragment(hello: Uint8Array, size: number): Uint8Array {
  const payload = hello.subarray(5, 5 + ((hello[3] << 8) | hello[4]));
  const out: number[] = [];
  for (let i = 0; i < payload.length; i += size) {
    const part = payload.subarray(i, i + size);
    out.push(0x16, 0x03, 0x01, part.length >> 8, part.length & 0xff, ...part);
  }
  return new Uint8Array(out);
}

Deno.test("parseClientHello: a real client's hello gives its server name, or none for an IP", async () => {
  const named = await capturedHello("api.anthropic.com");
  assert.deepEqual(parseClientHello(named), { kind: "hello", serverName: "api.anthropic.com" });
  assert.deepEqual(parseClientHello(await capturedHello("127.0.0.1")), {
    kind: "hello",
    serverName: null,
  });
  // Split across records, and cut anywhere: incomplete until the last byte, never wrong.
  for (const size of [1, 7, 100]) {
    const split = refragment(named, size);
    assert.deepEqual(parseClientHello(split), { kind: "hello", serverName: "api.anthropic.com" });
  }
  for (let cut = 0; cut < named.length; cut++) {
    assert.deepEqual(
      parseClientHello(named.subarray(0, cut)),
      { kind: "incomplete" },
      `cut ${cut}`,
    );
  }
  // Bytes after the hello (early data, a second record) are not read.
  const more = new Uint8Array([...named, 0x17, 0x03, 0x03, 0x00, 0x01, 0x00]);
  assert.equal(parseClientHello(more).kind, "hello");
});

Deno.test("parseClientHello: not TLS and broken TLS are told apart as soon as they show", () => {
  const enc = new TextEncoder();
  assert.equal(parseClientHello(enc.encode("GET / HTTP/1.1\r\n")).kind, "not-tls");
  assert.equal(parseClientHello(new Uint8Array([0x16])).kind, "incomplete");
  assert.equal(parseClientHello(new Uint8Array([0x16, 0x02])).kind, "not-tls");
  assert.equal(parseClientHello(new Uint8Array([0x16, 0x03, 0x01, 0x00, 0x00])).kind, "malformed");
  // A ServerHello (type 2) where a ClientHello belongs.
  assert.equal(
    parseClientHello(new Uint8Array([0x16, 0x03, 0x03, 0x00, 0x04, 0x02, 0x00, 0x00, 0x00])).kind,
    "malformed",
  );
  // A hello announcing more than the cap is refused before it is buffered.
  assert.equal(
    parseClientHello(new Uint8Array([0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0x02, 0x00, 0x00])).kind,
    "malformed",
  );
  // A 32 KiB hello in one-byte records: 6 bytes each on the wire, refused past twice the cap.
  const payload = [0x01, 0x00, 0x80, 0x00];
  const dribble: number[] = [];
  for (let i = 0; dribble.length <= 2 * MAX_CLIENT_HELLO_BYTES; i++) {
    dribble.push(0x16, 0x03, 0x01, 0x00, 0x01, payload[i] ?? 0);
  }
  const refused = parseClientHello(new Uint8Array(dribble));
  assert.equal(refused.kind, "malformed");
  assert.match(refused.kind === "malformed" ? refused.message : "", /still incomplete/);
});

Deno.test("parseClientHello: corrupted hellos never throw", async () => {
  const hello = await capturedHello("api.anthropic.com");
  const rand = seededRandom(21);
  for (let i = 0; i < 2000; i++) {
    const bytes = hello.slice(0, 1 + Math.floor(rand() * hello.length));
    for (let k = 0; k < 1 + Math.floor(rand() * 6); k++) {
      bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
    }
    const r = parseClientHello(bytes);
    assert.ok(["incomplete", "hello", "not-tls", "malformed"].includes(r.kind));
    if (r.kind === "hello" && r.serverName !== null) assert.match(r.serverName, /^[a-z0-9._-]+$/);
  }
});
