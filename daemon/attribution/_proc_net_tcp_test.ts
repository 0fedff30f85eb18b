import assert from "node:assert/strict";
import { findLoopbackSocket } from "./_proc_net_tcp.ts";

// Recorded on Linux 6.18 (uids edited): a 127.0.0.1 client 40022 -> 48679 and its server
// side, a dual-stack socket's IPv4-mapped client 41366 -> 44219, a ::1 client 48126 -> 55137.
const dir = new URL("./testdata/", import.meta.url).pathname;
const TCP = Deno.readTextFileSync(`${dir}proc_net_tcp.txt`);
const TCP6 = Deno.readTextFileSync(`${dir}proc_net_tcp6.txt`);

Deno.test("findLoopbackSocket: the client's side of a loopback connection, IPv4", () => {
  assert.deepEqual(findLoopbackSocket(TCP, { port: 40022, serverPort: 48679 }), {
    inode: "37633",
    uid: 1000,
  });
  // The server's side has the ports the other way round.
  assert.deepEqual(findLoopbackSocket(TCP, { port: 48679, serverPort: 40022 }), {
    inode: "37634",
    uid: 1000,
  });
  // Line 4 (the same ports between non-loopback addresses) came first and was passed over.
  const onlyLine4 = TCP.split("\n").filter((l) => !l.includes("37633")).join("\n");
  assert.equal(findLoopbackSocket(onlyLine4, { port: 40022, serverPort: 48679 }), null);
  // Ports named but no such connection.
  assert.equal(findLoopbackSocket(TCP, { port: 40022, serverPort: 48680 }), null);
});

Deno.test("findLoopbackSocket: IPv4-mapped and ::1 clients in tcp6", () => {
  assert.deepEqual(findLoopbackSocket(TCP6, { port: 41366, serverPort: 44219 }), {
    inode: "37636",
    uid: 1000,
  });
  assert.deepEqual(findLoopbackSocket(TCP6, { port: 48126, serverPort: 55137 }), {
    inode: "37639",
    uid: 501,
  });
  // Line 6: the right ports between two global IPv6 addresses.
  assert.equal(findLoopbackSocket(TCP6, { port: 41367, serverPort: 44219 }), null);
  // Not in the other table.
  assert.equal(findLoopbackSocket(TCP, { port: 41366, serverPort: 44219 }), null);
});

Deno.test("findLoopbackSocket: only ESTABLISHED sockets still tied to a file", () => {
  // TIME_WAIT (06, inode 0) and CLOSE_WAIT (08).
  assert.equal(findLoopbackSocket(TCP, { port: 0xd012, serverPort: 0x9987 }), null);
  assert.equal(findLoopbackSocket(TCP, { port: 0x8b1b, serverPort: 0xdc74 }), null);
  const orphan = "   0: 0100007F:9C56 0100007F:BE27 01 00000000:00000000 00:00000000 00000000  " +
    "1000        0 0 2 000000008e911e80 20 0 0 10 -1\n";
  assert.equal(findLoopbackSocket(orphan, { port: 40022, serverPort: 48679 }), null);
});

Deno.test("findLoopbackSocket: junk, truncated and empty tables give null, never throw", () => {
  const client = { port: 40022, serverPort: 48679 };
  for (
    const junk of [
      "",
      "\n\n",
      "sl local_address",
      " 54: 0100007F:9C56 0100007F:BE27 01",
      " 54: 0100007F:9C56 0100007F:BE27 01 0:0 0:0 0 x 0 37633",
      " 54: 0100007F:9C56 0100007F:BE27 01 0:0 0:0 0 1000 0 abc",
      TCP.slice(0, TCP.indexOf("0100007F:9C56 0100007F:BE27") + 20),
      "\u0000".repeat(100),
    ]
  ) {
    assert.equal(findLoopbackSocket(junk, client), null, JSON.stringify(junk.slice(0, 60)));
  }
  // A table without a trailing newline still has its last line read.
  const last = TCP.split("\n").find((l) => l.includes("37633"))!;
  assert.deepEqual(findLoopbackSocket(last, client), { inode: "37633", uid: 1000 });
});
