import assert from "node:assert/strict";
import { createCommandRunner, createRecordingRunner } from "../setup/mod.ts";
import { describePid, findPortOwner, listeningInodes } from "./_port_owner.ts";

const TCP =
  `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F91 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1F91 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 5555 1 0000000000000000 20 4 30 10 -1
   2: 0100007F:1F9A 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 7777 1 0000000000000000 100 0 0 10 0
`;

Deno.test("listeningInodes: only LISTEN rows on that port", () => {
  assert.deepEqual(listeningInodes(TCP, 8081), ["4242"]);
  assert.deepEqual(listeningInodes(TCP, 8090), ["7777"]);
  assert.deepEqual(listeningInodes(TCP, 8765), []);
});

Deno.test("findPortOwner: likely pids first, then the rest of /proc; free when no LISTEN row", async () => {
  const links: Record<number, string[]> = {
    10: ["/dev/null", "socket:[1]"],
    20: ["socket:[4242]"],
    30: ["socket:[7777]"],
  };
  const read: number[] = [];
  const deps = {
    os: "linux",
    runner: createRecordingRunner(),
    readText: (p: string) =>
      p === "/proc/net/tcp"
        ? TCP
        : p === "/proc/net/tcp6"
        ? null
        : p === "/proc/30/cmdline"
        ? "python3\0-m\0http.server\0"
        : null,
    listPids: () => [10, 20, 30],
    readLinks: (pid: number) => (read.push(pid), links[pid] ?? []),
  };
  assert.deepEqual(await findPortOwner(8081, [20], deps), {
    kind: "held",
    pids: [20],
    commands: ["pid 20"],
  });
  assert.deepEqual(read, [20]); // the likely owner was enough
  assert.deepEqual(await findPortOwner(8090, [20], deps), {
    kind: "held",
    pids: [30],
    commands: ["pid 30 (python3 -m http.server)"],
  });
  assert.deepEqual(await findPortOwner(8765, [], deps), { kind: "free" });
});

Deno.test("findPortOwner: lsof elsewhere", async () => {
  const runner = createRecordingRunner((_c, args) =>
    args.includes("-iTCP:8081") ? { stdout: "p123\ncnode\n" } : { code: 1 }
  );
  const deps = { os: "darwin", runner };
  assert.deepEqual(await findPortOwner(8081, [], deps), {
    kind: "held",
    pids: [123],
    commands: ["pid 123 (node)"],
  });
  assert.deepEqual(await findPortOwner(8090, [], deps), { kind: "free" });
  assert.equal(runner.lines()[0], "lsof -nP -iTCP:8081 -sTCP:LISTEN -Fpc");
  assert.equal((await findPortOwner(1, [], { os: "windows", runner })).kind, "unknown");
});

Deno.test("findPortOwner on this machine finds this very process's listener", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  try {
    const owner = await findPortOwner(port, [], {
      os: Deno.build.os,
      runner: createCommandRunner(),
    });
    assert.equal(owner.kind, "held");
    assert.deepEqual(owner.kind === "held" && owner.pids, [Deno.pid]);
  } finally {
    listener.close();
  }
  const after = await findPortOwner(port, [], { os: Deno.build.os, runner: createCommandRunner() });
  assert.equal(after.kind, "free");
  assert.match(describePid(Deno.pid), new RegExp(`^pid ${Deno.pid} \\(.*deno`));
});
