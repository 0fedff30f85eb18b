import assert from "node:assert/strict";
import { createSocketOwnerFinder } from "./_socket_owner_linux.ts";

/** A fake /proc: pid → fd → link target; `null` fd tables are unreadable (another user's). */
function fakeProc(procs: Record<number, Record<string, string> | null>, own: number[] = []) {
  const reads: string[] = [];
  const deps = {
    ownPids: () => own,
    readDir(path: string): Promise<string[]> {
      reads.push(path);
      if (path === "/proc") return Promise.resolve(["self", "net", ...Object.keys(procs)]);
      const pid = Number(path.split("/")[2]);
      const fds = procs[pid];
      if (!fds) return Promise.reject(new Deno.errors.PermissionDenied(path));
      return Promise.resolve(Object.keys(fds));
    },
    readLink(path: string): Promise<string> {
      const [, , pid, , fd] = path.split("/");
      const link = procs[Number(pid)]?.[fd];
      return link === undefined
        ? Promise.reject(new Deno.errors.NotFound(path))
        : Promise.resolve(link);
    },
  };
  const fdReads = () => reads.filter((r) => r !== "/proc");
  return { deps, reads, fdReads };
}

const live = () => new AbortController().signal;

Deno.test("socket owner: the newest processes are read first, and the scan stops at the owner", async () => {
  const procs: Record<number, Record<string, string>> = {};
  for (let pid = 100; pid < 140; pid++) procs[pid] = { "0": "/dev/null", "3": `socket:[${pid}0]` };
  const p = fakeProc(procs);
  const finder = createSocketOwnerFinder(p.deps, { concurrency: 1 });
  assert.equal(await finder.find("1370", live()), 137);
  assert.deepEqual(p.fdReads(), ["/proc/139/fd", "/proc/138/fd", "/proc/137/fd"]);
});

Deno.test("socket owner: a recent owner is asked before any scan", async () => {
  const p = fakeProc({
    7: { "1": "socket:[70]" },
    4000: { "1": "socket:[1]", "2": "socket:[2]", "9": "socket:[3]" },
    5000: { "1": "pipe:[9]" },
  });
  const finder = createSocketOwnerFinder(p.deps, { concurrency: 1 });
  assert.equal(await finder.find("1", live()), 4000);
  p.reads.length = 0;
  assert.equal(await finder.find("3", live()), 4000);
  assert.deepEqual(p.reads, ["/proc/4000/fd"], "no /proc listing, no other process read");
  // A miss among the recent ones falls through to a scan that does not read them again.
  p.reads.length = 0;
  assert.equal(await finder.find("70", live()), 7);
  assert.deepEqual(p.reads, ["/proc/4000/fd", "/proc", "/proc/5000/fd", "/proc/7/fd"]);
});

Deno.test("socket owner: our own processes are never read; unreadable ones are skipped", async () => {
  const p = fakeProc({
    10: { "1": "socket:[5]" },
    20: null,
    30: { "4": "socket:[6]" },
    40: { "4": "socket:[6]" },
  }, [30, 40]);
  const finder = createSocketOwnerFinder(p.deps);
  assert.equal(await finder.find("5", live()), 10);
  // Only the edge/daemon hold it (a connection the edge did not name): no client.
  assert.equal(await finder.find("6", live()), null);
  assert.ok(!p.reads.some((r) => r.startsWith("/proc/30/") || r.startsWith("/proc/40/")));
  assert.equal(await finder.find("404", live()), null);
});

Deno.test("socket owner: a burst from one new process costs one scan", async () => {
  const procs: Record<number, Record<string, string>> = {};
  for (let pid = 1; pid <= 50; pid++) procs[pid] = { "0": "/dev/null" };
  procs[20] = { "5": "socket:[501]", "6": "socket:[502]", "7": "socket:[503]" };
  const p = fakeProc(procs);
  const finder = createSocketOwnerFinder(p.deps, { concurrency: 2 });
  const found = await Promise.all(["501", "502", "503"].map((i) => finder.find(i, live())));
  assert.deepEqual(found, [20, 20, 20]);
  assert.equal(p.reads.filter((r) => r === "/proc").length, 1);
});

Deno.test("socket owner: an aborted lookup stops reading and gives null", async () => {
  const procs: Record<number, Record<string, string>> = {};
  for (let pid = 1; pid <= 200; pid++) procs[pid] = { "0": "/dev/null" };
  procs[1] = { "3": "socket:[9]" };
  const p = fakeProc(procs);
  const ac = new AbortController();
  const slow = {
    ...p.deps,
    readDir: async (path: string) => {
      if (p.fdReads().length === 10) ac.abort();
      return await p.deps.readDir(path);
    },
  };
  const finder = createSocketOwnerFinder(slow, { concurrency: 1 });
  assert.equal(await finder.find("9", ac.signal), null);
  assert.ok(p.fdReads().length <= 12, `${p.fdReads().length} processes read after the abort`);
  // The next lookup is not stuck behind the aborted one.
  assert.equal(await finder.find("9", live()), 1);
});

Deno.test("socket owner: a failing /proc listing is null, not a rejection", async () => {
  const finder = createSocketOwnerFinder({
    ownPids: () => [],
    readDir: () => Promise.reject(new Error("no /proc")),
    readLink: () => Promise.reject(new Error("no /proc")),
  });
  assert.equal(await finder.find("1", live()), null);
});
