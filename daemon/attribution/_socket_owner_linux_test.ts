import assert from "node:assert/strict";
import { createSocketOwnerFinder } from "./_socket_owner_linux.ts";

type Procs = Record<number, { fds: Record<string, string>; cwd?: string } | null>;

/** A fake /proc: pid → fd links and cwd; `null` processes are unreadable (another user's). */
function fakeProc(procs: Procs, own: number[] = []) {
  const reads: string[] = [];
  const deps = {
    ownPids: () => own,
    readDir(path: string): Promise<string[]> {
      reads.push(path);
      if (path === "/proc") return Promise.resolve(["self", "net", ...Object.keys(procs)]);
      const p = procs[Number(path.split("/")[2])];
      if (!p) return Promise.reject(new Deno.errors.PermissionDenied(path));
      return Promise.resolve(Object.keys(p.fds));
    },
    readLink(path: string): Promise<string> {
      const [, , pid, what, fd] = path.split("/");
      const p = procs[Number(pid)];
      const link = what === "cwd" ? p?.cwd : p?.fds[fd];
      return link === undefined
        ? Promise.reject(new Deno.errors.NotFound(path))
        : Promise.resolve(link);
    },
  };
  const fdReads = () => reads.filter((r) => r.endsWith("/fd"));
  return { deps, reads, fdReads };
}

const live = { aborted: false };
const sock = (inode: number) => `socket:[${inode}]`;

Deno.test("socket owner: the snapshot holds the newest processes' sockets and cwds", async () => {
  const procs: Procs = {};
  for (let pid = 100; pid < 140; pid++) {
    procs[pid] = { fds: { "0": "/dev/null", "3": sock(pid * 10) }, cwd: `/w/p${pid}` };
  }
  procs[139] = { fds: { "0": "/dev/null" }, cwd: "/w/no-sockets" };
  const p = fakeProc(procs, [138]);
  const finder = createSocketOwnerFinder(p.deps, { newestPids: 3 });
  const snap = await finder.snapshot(live);
  // Newest first, ours (138) skipped; a process without sockets is read but not kept.
  assert.deepEqual(p.fdReads(), ["/proc/139/fd", "/proc/137/fd", "/proc/136/fd"]);
  assert.deepEqual([...snap.sockets], [[sock(1370), 137], [sock(1360), 136]]);
  assert.deepEqual([...snap.cwds], [[137, "/w/p137"], [136, "/w/p136"]]);
  assert.deepEqual([...snap.read], [139, 137, 136]);
});

Deno.test("socket owner: remembered clients come first in the next snapshot", async () => {
  const procs: Procs = {
    7: { fds: { "1": sock(70) }, cwd: "/w/long-lived" },
    4000: { fds: { "1": sock(1) } },
    5000: { fds: { "1": "pipe:[9]" } },
  };
  const p = fakeProc(procs);
  const finder = createSocketOwnerFinder(p.deps, { newestPids: 1 });
  finder.remember(7);
  const snap = await finder.snapshot(live);
  assert.deepEqual(p.fdReads(), ["/proc/7/fd", "/proc/5000/fd"]);
  assert.equal(snap.sockets.get(sock(70)), 7);
});

Deno.test("socket owner: once pids wrap, the newest are those just below the last pid handed out", async () => {
  const procs: Procs = {};
  for (const pid of [31_000, 30_500, 900, 700, 300, 12]) procs[pid] = { fds: { "0": "/dev/null" } };
  procs[300] = { fds: { "4": sock(77) } };
  const p = fakeProc(procs);
  const finder = createSocketOwnerFinder(
    { ...p.deps, lastPid: () => Promise.resolve(750) },
    { concurrency: 1 },
  );
  assert.deepEqual([...await finder.find(["77"], new Set(), live)], [["77", 300]]);
  assert.deepEqual(p.fdReads(), ["/proc/700/fd", "/proc/300/fd"]);
  p.reads.length = 0;
  assert.equal((await finder.find(["78"], new Set([300]), live)).size, 0);
  assert.deepEqual(p.fdReads(), [700, 12, 31_000, 30_500, 900].map((n) => `/proc/${n}/fd`));
});

Deno.test("socket owner: one scan finds several sockets and stops when all are found", async () => {
  const procs: Procs = {};
  for (let pid = 1; pid <= 50; pid++) procs[pid] = { fds: { "0": "/dev/null" } };
  procs[45] = { fds: { "1": sock(601) } };
  procs[40] = { fds: { "1": sock(602), "2": sock(603) } };
  const p = fakeProc(procs);
  const finder = createSocketOwnerFinder(p.deps, { concurrency: 1 });
  const found = await finder.find(["601", "602", "603"], new Set([48]), live);
  assert.deepEqual([...found].sort(), [["601", 45], ["602", 40], ["603", 40]]);
  assert.deepEqual(p.reads.filter((r) => r === "/proc").length, 1);
  const expected = [50, 49, 47, 46, 45, 44, 43, 42, 41, 40].map((n) => `/proc/${n}/fd`);
  assert.deepEqual(p.fdReads(), expected, "newest first, skipping 48, stopping at 40");
});

Deno.test("socket owner: our own processes are never read; unreadable ones are skipped", async () => {
  const p = fakeProc({
    10: { fds: { "1": sock(5) } },
    20: null,
    30: { fds: { "4": sock(6) } },
    40: { fds: { "4": sock(6) } },
  }, [30, 40]);
  const finder = createSocketOwnerFinder(p.deps);
  assert.deepEqual([...await finder.find(["5", "6", "404"], new Set(), live)], [["5", 10]]);
  const snap = await finder.snapshot(live);
  assert.deepEqual([...snap.read].sort(), [10, 20]);
  assert.ok(!p.reads.some((r) => r.startsWith("/proc/30/") || r.startsWith("/proc/40/")));
});

Deno.test("socket owner: a cancelled search stops reading", async () => {
  const procs: Procs = {};
  for (let pid = 1; pid <= 200; pid++) procs[pid] = { fds: { "0": "/dev/null" } };
  procs[1] = { fds: { "3": sock(9) } };
  const p = fakeProc(procs);
  const cancel = { aborted: false };
  const counting = {
    ...p.deps,
    readDir: async (path: string) => {
      if (p.fdReads().length === 10) cancel.aborted = true;
      return await p.deps.readDir(path);
    },
  };
  const finder = createSocketOwnerFinder(counting, { concurrency: 1 });
  assert.equal((await finder.find(["9"], new Set(), cancel)).size, 0);
  assert.ok(p.fdReads().length <= 12, `${p.fdReads().length} processes read after cancel`);
  assert.equal((await finder.snapshot(cancel)).read.size, 0);
});

Deno.test("socket owner: without /proc, nothing is found and nothing rejects", async () => {
  const finder = createSocketOwnerFinder({
    ownPids: () => [],
    readDir: () => Promise.reject(new Error("no /proc")),
    readLink: () => Promise.reject(new Error("no /proc")),
  });
  assert.equal((await finder.find(["1"], new Set(), live)).size, 0);
  assert.equal((await finder.snapshot(live)).read.size, 0);
});
