import assert from "node:assert/strict";
import type { ClientConnection } from "../mitm/mod.ts";
import {
  createProcessAttributor,
  type ProcessAttributorDeps,
} from "./create_process_attributor.ts";

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
  procs?: Record<number, { fds: string[]; cwd: string }>;
  gitDirs?: string[];
  commands?: Record<string, string>;
}

/** A fake machine; `calls` records every read and command. */
function machine(m: Machine, over: Partial<ProcessAttributorDeps> = {}) {
  const calls: string[] = [];
  const logs: string[] = [];
  let clock = 1_000_000;
  const procs = m.procs ?? {};
  const deps: ProcessAttributorDeps = {
    log: { log: (level, message) => logs.push(`${level} ${message}`) },
    os: "linux",
    uid: 1000,
    homeDir: "/home/ada",
    ownPids: () => [1],
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
  return {
    calls,
    logs,
    deps,
    tick: (ms: number) => clock += ms,
    attributor: createProcessAttributor(deps),
  };
}

const conn = (port: number, serverPort = 8081): ClientConnection => ({
  client: { port, serverPort },
});

const REPO = {
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

Deno.test("process attributor: client port → socket → process → cwd → repository", async () => {
  const m = machine(REPO);
  const c = conn(50001);
  const first = m.attributor.projectFor(c);
  assert.equal(m.attributor.projectFor(c), first, "one lookup per connection object");
  assert.deepEqual(await first, { project: "acme-widgets", source: "process_cwd" });
  assert.equal(m.calls.filter((x) => x === "readFile /proc/net/tcp").length, 1);
  assert.ok(!m.calls.includes("readDir /proc/1/fd"), "our own pid is never scanned");
  assert.deepEqual(m.logs, []);

  // A second connection from the same process: its pid is tried first, its cwd's project cached.
  m.calls.length = 0;
  assert.deepEqual(await m.attributor.projectFor(conn(50002)), {
    project: "acme-widgets",
    source: "process_cwd",
  });
  assert.deepEqual(m.calls, [
    "readFile /proc/net/tcp",
    "readDir /proc/4242/fd",
    "readLink /proc/4242/cwd",
  ]);
  // The cwd → project cache is brief.
  m.tick(10_001);
  m.calls.length = 0;
  await m.attributor.projectFor(conn(50002));
  assert.ok(m.calls.some((x) => x.startsWith("exists ")), "looked at the directory again");
});

Deno.test("process attributor: IPv4-mapped clients are found in tcp6", async () => {
  const line =
    "   2: 0000000000000000FFFF00000100007F:C351 0000000000000000FFFF00000100007F:1F91 " +
    "01 00000000:00000000 00:00000000 00000000  1000        0 777 1 0 20 0 0 10 -1\n";
  const m = machine({
    tcp: "",
    tcp6: line,
    procs: { 50: { fds: ["socket:[777]"], cwd: "/srv/jobs/nightly" } },
  });
  assert.deepEqual(await m.attributor.projectFor(conn(50001)), {
    project: "nightly",
    source: "process_cwd",
  });
});

Deno.test("process attributor: what it cannot know is null, and nothing is read for it", async () => {
  // No client ports: nothing read at all.
  const none = machine(REPO);
  assert.equal(await none.attributor.projectFor({ client: null }), null);
  assert.deepEqual(none.calls, []);
  // Another user's socket: their /proc entries are not read.
  const other = machine({ ...REPO, tcp: tcpLine(50001, 8081, 901, 1001) });
  assert.equal(await other.attributor.projectFor(conn(50001)), null);
  assert.ok(!other.calls.some((x) => x.startsWith("readDir")), other.calls.join("\n"));
  // As root every process is readable.
  const root = machine({ ...REPO, tcp: tcpLine(50001, 8081, 901, 1001) }, { uid: 0 });
  assert.equal((await root.attributor.projectFor(conn(50001)))?.project, "acme-widgets");
  // No such connection (closed, or not loopback); the process gone before its cwd was read;
  // a cwd that names no project.
  const cases: Array<[Machine, number]> = [
    [REPO, 50009],
    [
      { ...REPO, procs: { 4242: { fds: ["socket:[901]"], cwd: undefined as unknown as string } } },
      50001,
    ],
    [{ ...REPO, procs: { 4242: { fds: ["socket:[901]"], cwd: "/home/ada" } } }, 50001],
    [{ ...REPO, procs: { 4242: { fds: ["socket:[901]"], cwd: "/" } } }, 50001],
    [{ ...REPO, procs: { 1: { fds: ["socket:[901]"], cwd: "/x/y" } } }, 50001], // only ours
    [{ procs: REPO.procs }, 50001], // no /proc/net at all
  ];
  for (const [mach, port] of cases) {
    const m = machine(mach);
    assert.equal(await m.attributor.projectFor(conn(port)), null, JSON.stringify(mach));
    assert.deepEqual(m.logs, []);
  }
});

Deno.test("process attributor: a slow lookup resolves null in time and is logged once", async () => {
  const m = machine(REPO, {
    timeoutMs: 30,
    readFile: () => new Promise<string>(() => {}),
  });
  const t0 = performance.now();
  const results = await Promise.all([
    m.attributor.projectFor(conn(50001)),
    m.attributor.projectFor(conn(50002)),
  ]);
  assert.deepEqual(results, [null, null]);
  assert.ok(performance.now() - t0 < 1000);
  assert.equal(m.logs.length, 1, m.logs.join("\n"));
  assert.match(m.logs[0], /^warn process attribution: no answer within 30 ms/);
  // A minute later the next one is logged again.
  m.tick(60_000);
  assert.equal(await m.attributor.projectFor(conn(50003)), null);
  assert.equal(m.logs.length, 2);
});

Deno.test("process attributor: a throwing dependency is contained", async () => {
  const m = machine(REPO, {
    readFile: () => {
      throw new Error("boom");
    },
    runCommand: () => Promise.reject(new Error("spawn failed")),
  });
  assert.equal(await m.attributor.projectFor(conn(50001)), null);
  const mac = machine({}, {
    os: "darwin",
    runCommand: () => Promise.reject(new Error("spawn failed")),
  });
  assert.equal(await mac.attributor.projectFor(conn(50001)), null);
  assert.match(mac.logs.join("\n"), /process attribution failed/);
});

Deno.test("process attributor: macOS asks lsof for the socket's process, then its cwd", async () => {
  const m = machine({
    commands: {
      "lsof -nP -iTCP:50001 -sTCP:ESTABLISHED -Fpn":
        "p812\nf27\nn127.0.0.1:8081->127.0.0.1:50001\n" +
        "p40233\nf23\nn127.0.0.1:50001->127.0.0.1:8081\n",
      "lsof -a -p 40233 -d cwd -Fn": "p40233\nfcwd\nn/Users/ada/src/acme-widgets/web\n",
    },
    gitDirs: ["/Users/ada/src/acme-widgets/.git"],
  }, { os: "darwin", homeDir: "/Users/ada" });
  assert.deepEqual(await m.attributor.projectFor(conn(50001)), {
    project: "acme-widgets",
    source: "process_cwd",
  });
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
  assert.equal(await own.attributor.projectFor(conn(50001)), null);
  assert.equal(own.calls.length, 1);
  // lsof missing or finding nothing: null.
  assert.equal(await machine({}, { os: "darwin" }).attributor.projectFor(conn(50001)), null);
});

Deno.test("process attributor: Windows and others find nothing, reading nothing", async () => {
  for (const os of ["windows", "freebsd"]) {
    const m = machine(REPO, { os });
    assert.equal(await m.attributor.projectFor(conn(50001)), null);
    assert.deepEqual(m.calls, []);
  }
});

Deno.test({
  name: "process attributor (real /proc): a client started in a git repository is named after it",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "hm-attr-" });
    const repo = `${dir}/acme-widgets`;
    await Deno.mkdir(`${repo}/src/deep`, { recursive: true });
    const git = await new Deno.Command("git", { args: ["init", "-q", repo] }).output();
    assert.equal(git.code, 0, new TextDecoder().decode(git.stderr));
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    // The client opens two connections and holds them until we close ours.
    const client = new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        `const a = await Deno.connect({ hostname: "127.0.0.1", port: ${listener.addr.port} });
         const b = await Deno.connect({ hostname: "127.0.0.1", port: ${listener.addr.port} });
         await a.read(new Uint8Array(1)); await b.read(new Uint8Array(1));`,
      ],
      cwd: `${repo}/src/deep`,
      stdout: "null",
      stderr: "null",
    }).spawn();
    const accepted: Deno.Conn[] = [];
    try {
      for (let i = 0; i < 2; i++) accepted.push(await listener.accept());
      const attributor = createProcessAttributor({ log: { log: () => {} }, timeoutMs: 10_000 });
      for (const c of accepted) {
        const connection = {
          client: { port: (c.remoteAddr as Deno.NetAddr).port, serverPort: listener.addr.port },
        };
        assert.deepEqual(await attributor.projectFor(connection), {
          project: "acme-widgets",
          source: "process_cwd",
        });
      }
      // The server's side of the same connection is ours: no project.
      const ours = {
        client: {
          port: listener.addr.port,
          serverPort: (accepted[0].remoteAddr as Deno.NetAddr).port,
        },
      };
      assert.equal(await attributor.projectFor(ours), null);
    } finally {
      for (const c of accepted) c.close();
      listener.close();
      await client.status;
      await Deno.remove(dir, { recursive: true });
    }
  },
});
