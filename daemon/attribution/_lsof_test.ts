import assert from "node:assert/strict";
import { lsofCwd, lsofSocketOwner } from "./_lsof.ts";

const client = { port: 54012, serverPort: 8081 };

Deno.test("lsofSocketOwner: the process with the client's side, not the edge's", () => {
  // In macOS lsof's -F form, `f` lines included (written by hand: no Mac here to record on);
  // the edge (pid 812) holds the other side.
  const macos = "p812\nf27\nn127.0.0.1:8081->127.0.0.1:54012\np40233\nf23\n" +
    "n127.0.0.1:54012->127.0.0.1:8081\n";
  assert.equal(lsofSocketOwner(macos, client), 40233);
  // Recorded with lsof 4.95 on Linux (no `f` lines for -Fpn); one process holding both ends.
  const linux = "p17279\nn127.0.0.1:45912->127.0.0.1:38365\nn127.0.0.1:38365->127.0.0.1:45912\n";
  assert.equal(lsofSocketOwner(linux, { port: 45912, serverPort: 38365 }), 17279);
  // A dual-stack socket (IPv4-mapped) and ::1.
  assert.equal(
    lsofSocketOwner("p501\nf9\nn[::ffff:127.0.0.1]:54012->[::ffff:127.0.0.1]:8081\n", client),
    501,
  );
  assert.equal(lsofSocketOwner("p502\nf9\nn[::1]:54012->[::1]:8081\n", client), 502);
});

Deno.test("lsofSocketOwner: nothing that matches gives null", () => {
  for (
    const out of [
      "", // lsof exits 1 with no output when nothing matches
      "p812\nf27\nn127.0.0.1:8081->127.0.0.1:54012\n", // only the edge's side
      "p9\nf3\nn10.0.0.2:54012->93.184.216.34:8081\n", // not loopback
      "p9\nf3\nn127.0.0.1:54012\n", // a listener
      "n127.0.0.1:54012->127.0.0.1:8081\n", // no process line before it
      "pabc\nn127.0.0.1:54012->127.0.0.1:8081\n",
      "p9\nn127.0.0.1:54012->127.0.0.1:8081->127.0.0.1:1\n",
      "p9\nn127.0.0.1:x->127.0.0.1:8081\n",
    ]
  ) {
    assert.equal(lsofSocketOwner(out, client), null, JSON.stringify(out));
  }
});

Deno.test("lsofCwd: the n line of the cwd descriptor", () => {
  assert.equal(
    lsofCwd("p40233\nfcwd\nn/Users/ada/src/acme-widgets\n"),
    "/Users/ada/src/acme-widgets",
  );
  assert.equal(lsofCwd("p17279\nn/tmp\n"), "/tmp");
  assert.equal(lsofCwd("p17279\nn/Users/ada/with space\n"), "/Users/ada/with space");
  assert.equal(lsofCwd(""), null);
  assert.equal(lsofCwd("p1\nfcwd\nnrelative\n"), null);
});
