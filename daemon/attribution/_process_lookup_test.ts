import assert from "node:assert/strict";
import { createProcessLookup, type MachineDeps } from "./_process_lookup.ts";

const TCP_HEADER =
  "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   " +
  "uid  timeout inode\n";

/** One /proc/net/tcp line: a loopback socket `local` → `remote` owned by `uid`. */
function tcpLine(local: number, remote: number, inode: number, uid = 1000): string {
  const hex = (p: number) => p.toString(16).toUpperCase().padStart(4, "0");
  return `   1: 0100007F:${hex(local)} 0100007F:${hex(remote)} 01 00000000:00000000 ` +
    `00:00000000 00000000 ${uid} 0 ${inode} 1 0000000000000000 20 0 0 10 -1\n`;
}

interface Machine {
  tcp?: string;
  tcp6?: string;
  /** pid → its fd links and cwd. */
  procs?: Record<number, { fds: string[]; cwd?: string }>;
  gitDirs?: string[];
  commands?: Record<string, string>;
}

/** A fake machine; `calls` records every read and command. */
function machine(m: Machine, over: Partial<MachineDeps> = {}) {
  const calls: string[] = [];
  let clock = 1_000_000;
  const procs = m.procs ?? {};
  const deps: MachineDeps = {
    os: "linux",
    uid: 1000,
    homeDir: "/home/ada",
    now: () => clock,
    readFile(path) {
      calls.push(`readFile ${path}`);
      const text = path === "/proc/net/tcp" ? m.tcp : path === "/proc/net/tcp6" ? m.tcp6 : null;
      return text == null
        ? Promise.reject(new Deno.errors.NotFound(path))
        : Promise.resolve(TCP_HEADER + text);
    },
    readDir(path) {
      calls.push(`readDir ${path}`);
      if (path === "/proc") return Promise.resolve(["1", ...Object.keys(procs), "self"]);
      const p = procs[Number(path.split("/")[2])];
      return p ? Promise.resolve(p.fds.map((_, i) => String(i))) : Promise.reject(new Error(path));
    },
    readLink(path) {
      const [, , pid, what, fd] = path.split("/");
      const p = procs[Number(pid)];
      if (what === "cwd") calls.push(`readLink ${path}`);
      const link = what === "cwd" ? p?.cwd : p?.fds[Number(fd)];
      return link === undefined ? Promise.reject(new Error(path)) : Promise.resolve(link);
    },
    exists(path) {
      calls.push(`exists ${path}`);
      return Promise.resolve((m.gitDirs ?? []).includes(path));
    },
    runCommand(cmd, args) {
      const line = [cmd, ...args].join(" ");
      calls.push(`run ${line}`);
      const out = m.commands?.[line];
      return Promise.resolve(
        out === undefined ? { code: 1, stdout: "" } : { code: 0, stdout: out },
      );
    },
    ...over,
  };
  const lookup = createProcessLookup(deps);
  const ctx = { signal: new AbortController().signal, ownPids: [1], deadline: Infinity };
  return {
    calls,
    tick: (ms: number) => clock += ms,
    find: (port: number, serverPort = 8081) => lookup({ port, serverPort }, ctx),
  };
}

const REPO: Machine = {
  tcp: tcpLine(8081, 50001, 900) + tcpLine(50001, 8081, 901) + tcpLine(50002, 8081, 902),
  procs: {
    1: { fds: ["socket:[900]"], cwd: "/" }, // the edge: never read
    4242: {
      fds: ["/dev/null", "socket:[901]", "socket:[902]"],
      cwd: "/home/ada/src/acme-widgets/api",
    },
  },
  gitDirs: ["/home/ada/src/acme-widgets/.git"],
};
const ACME = { project: "acme-widgets", source: "process_cwd" };

Deno.test("process lookup: client port → socket → process → cwd → repository", async () => {
  const m = machine(REPO);
  assert.deepEqual(await m.find(50001), ACME);
  assert.ok(!m.calls.includes("readDir /proc/1/fd"), "our own pid is never scanned");
  // A second connection from the same process: found in the snapshot taken while the socket
  // table was read (no full scan), its cwd's project cached.
  m.calls.length = 0;
  assert.deepEqual(await m.find(50002), ACME);
  assert.deepEqual(m.calls, [
    "readFile /proc/net/tcp",
    "readDir /proc",
    "readFile /proc/sys/kernel/ns_last_pid",
    "readDir /proc/4242/fd",
    "readLink /proc/4242/cwd",
  ]);
  // The cwd → project cache is brief.
  m.tick(10_001);
  m.calls.length = 0;
  await m.find(50002);
  assert.ok(m.calls.some((x) => x.startsWith("exists ")), "looked at the directory again");
});

Deno.test("process lookup: a client that exits while the socket table is read is still named", async () => {
  const procs = structuredClone(REPO.procs!);
  const m = machine({ ...REPO, procs }, {
    readFile(path) {
      if (path !== "/proc/net/tcp") return Promise.reject(new Deno.errors.NotFound(path));
      // The kernel takes its time; the call was quick: the client is gone by the end.
      return new Promise((resolve) =>
        setTimeout(() => {
          delete procs[4242];
          resolve(TCP_HEADER + REPO.tcp);
        }, 5)
      );
    },
  });
  assert.deepEqual(await m.find(50001), ACME);
});

Deno.test("process lookup: lookups asked together share one table read and one /proc scan", async () => {
  const m = machine({
    ...REPO,
    tcp: REPO.tcp + tcpLine(50003, 8081, 903),
    procs: { ...REPO.procs, 5000: { fds: ["socket:[903]"], cwd: "/home/ada/src/other/x" } },
  });
  const found = await Promise.all([50001, 50002, 50003, 50009].map((p) => m.find(p)));
  assert.deepEqual(found, [ACME, ACME, { project: "x", source: "process_cwd" }, null]);
  assert.equal(m.calls.filter((c) => c === "readFile /proc/net/tcp").length, 1);
  assert.equal(m.calls.filter((c) => c === "readDir /proc").length, 1);
  // Asked while a batch runs: done together in the next one.
  m.calls.length = 0;
  const first = m.find(50001);
  await Promise.resolve();
  await Promise.resolve();
  const later = [m.find(50002), m.find(50003)];
  assert.deepEqual(await Promise.all([first, ...later]), [ACME, ACME, {
    project: "x",
    source: "process_cwd",
  }]);
  assert.equal(m.calls.filter((c) => c === "readFile /proc/net/tcp").length, 2);
});

Deno.test("process lookup: IPv4-mapped clients are found in tcp6", async () => {
  const line =
    "   2: 0000000000000000FFFF00000100007F:C351 0000000000000000FFFF00000100007F:1F91 " +
    "01 00000000:00000000 00:00000000 00000000  1000        0 777 1 0 20 0 0 10 -1\n";
  const m = machine({
    tcp: "",
    tcp6: line,
    procs: { 50: { fds: ["socket:[777]"], cwd: "/srv/jobs/nightly" } },
  });
  assert.deepEqual(await m.find(50001), { project: "nightly", source: "process_cwd" });
});

Deno.test("process lookup: what it cannot know is null; another user's socket is not searched for", async () => {
  const other = machine({ ...REPO, tcp: tcpLine(50001, 8081, 901, 1001) });
  assert.equal(await other.find(50001), null);
  // Only the snapshot read /proc, before the socket's owner was known; no full scan.
  assert.equal(other.calls.filter((x) => x === "readDir /proc").length, 1, other.calls.join("\n"));
  // As root every process is readable.
  const root = machine({ ...REPO, tcp: tcpLine(50001, 8081, 901, 1001) }, { uid: 0 });
  assert.deepEqual(await root.find(50001), ACME);
  const gone = { 4242: { fds: ["socket:[901]"] } }; // exited before its cwd was read
  const cases: Array<[string, Machine, number]> = [
    ["no such connection", REPO, 50009],
    ["process gone", { ...REPO, procs: gone }, 50001],
    [
      "cwd is home",
      { ...REPO, procs: { 4242: { fds: ["socket:[901]"], cwd: "/home/ada" } } },
      50001,
    ],
    ["cwd is /", { ...REPO, procs: { 4242: { fds: ["socket:[901]"], cwd: "/" } } }, 50001],
    ["only ours hold it", { ...REPO, procs: { 1: { fds: ["socket:[901]"], cwd: "/x/y" } } }, 50001],
    ["no /proc/net", { procs: REPO.procs }, 50001],
  ];
  for (const [what, mach, port] of cases) {
    assert.equal(await machine(mach).find(port), null, what);
  }
});

Deno.test("process lookup: Deno refusing /proc (no --allow-all) is an error that says so", async () => {
  const m = machine(REPO, {
    readFile: (path) =>
      Promise.reject(new Deno.errors.NotCapable(`Requires all access to "${path}"`)),
  });
  await assert.rejects(m.find(50001), /Deno reads \/proc only with --allow-all/);
});

Deno.test("process lookup: macOS asks lsof for the socket's process, then its cwd", async () => {
  const m = machine({
    commands: {
      "lsof -nP -iTCP:50001 -sTCP:ESTABLISHED -Fpn":
        "p812\nf27\nn127.0.0.1:8081->127.0.0.1:50001\n" +
        "p40233\nf23\nn127.0.0.1:50001->127.0.0.1:8081\n",
      "lsof -a -p 40233 -d cwd -Fn": "p40233\nfcwd\nn/Users/ada/src/acme-widgets/web\n",
    },
    gitDirs: ["/Users/ada/src/acme-widgets/.git"],
  }, { os: "darwin", homeDir: "/Users/ada" });
  assert.deepEqual(await m.find(50001), ACME);
  assert.deepEqual(m.calls.filter((x) => x.startsWith("run ")), [
    "run lsof -nP -iTCP:50001 -sTCP:ESTABLISHED -Fpn",
    "run lsof -a -p 40233 -d cwd -Fn",
  ]);
  // Our own process at the client end (the edge, on a connection it did not name): null.
  const own = machine({
    commands: {
      "lsof -nP -iTCP:50001 -sTCP:ESTABLISHED -Fpn": "p1\nn127.0.0.1:50001->127.0.0.1:8081\n",
    },
  }, { os: "darwin" });
  assert.equal(await own.find(50001), null);
  assert.equal(own.calls.length, 1);
  // lsof missing or finding nothing: null.
  assert.equal(await machine({}, { os: "darwin" }).find(50001), null);
});

Deno.test("process lookup: Windows and others find nothing, reading nothing", async () => {
  for (const os of ["windows", "freebsd"]) {
    const m = machine(REPO, { os });
    assert.equal(await m.find(50001), null);
    assert.deepEqual(m.calls, []);
  }
});
