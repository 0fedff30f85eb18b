/**
 * Black-box tests of the edge role: the real `main.ts --role edge` process in a
 * temporary HALTON_METER_HOME, driven by curl and raw sockets, on loopback only.
 */
import assert from "node:assert/strict";
import { pipeBoth } from "../edge/pipe.ts";
import { makeTestCa, type TestCa } from "./_support/test_ca.ts";
import {
  freePort,
  rawExchange,
  readAll,
  readUntil,
  run,
  startEchoServer,
  writeAll,
} from "./_support/net.ts";
import { type RoleProcess, startMain } from "./_support/role_process.ts";

const HOST = "api.anthropic.com";

interface Fixture {
  dir: string;
  home: string;
  ca: TestCa;
  bigFile: string;
  bigSha: string;
  tls: Deno.HttpServer<Deno.NetAddr>;
  tlsPort: number;
}

async function sha256File(path: string): Promise<string> {
  const r = await run("sha256sum", [path]);
  return r.stdout.split(" ")[0];
}

async function setup(config: Record<string, unknown> = {}, big = false): Promise<Fixture> {
  const dir = await Deno.makeTempDir({ prefix: "hm-edge-" });
  const home = `${dir}/home`;
  await Deno.mkdir(home);
  const ca = await makeTestCa(`${dir}/ca`);
  const bigFile = `${dir}/big.bin`;
  let bigSha = "";
  if (big) {
    // 100 MB of random bytes: any corruption or reordering changes the hash.
    await run("sh", ["-c", `head -c 100000000 /dev/urandom > '${bigFile}'`]);
    bigSha = await sha256File(bigFile);
  }
  const tls = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: ca.certPem,
    key: ca.keyPem,
    onListen() {},
  }, async (req) => {
    const url = new URL(req.url);
    if (url.pathname === "/big") return new Response((await Deno.open(bigFile)).readable);
    return new Response(`hello from upstream ${url.pathname}\n`);
  });
  const tlsPort = tls.addr.port;
  const cfg = {
    upstream: { resolve: { [`${HOST}:443`]: `127.0.0.1:${tlsPort}` } },
    ...config,
  };
  await Deno.writeTextFile(`${home}/config.json`, JSON.stringify(cfg));
  return { dir, home, ca, bigFile, bigSha, tls, tlsPort };
}

async function teardown(f: Fixture, ...procs: (RoleProcess | undefined)[]) {
  for (const p of procs) if (p) await p.stop("SIGKILL");
  await f.tls.shutdown();
  await Deno.remove(f.dir, { recursive: true });
}

function curlVia(edgePort: number, f: Fixture, path: string, extra: string[] = []) {
  return run("curl", [
    "-sS",
    "--fail",
    "--max-time",
    "60",
    "-x",
    `http://127.0.0.1:${edgePort}`,
    "--cacert",
    f.ca.caFile,
    ...extra,
    `https://${HOST}${path}`,
  ]);
}

/** A stand-in daemon: answers /health, records CONNECT heads, and tunnels them on. */
function startDaemonDouble(tlsPort: number, opts: { status?: number } = {}) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const heads: string[] = [];
  const open = new Set<Deno.Conn>();
  const tasks: Promise<unknown>[] = [];
  const loop = (async () => {
    for await (const conn of listener) {
      open.add(conn);
      tasks.push((async () => {
        try {
          const head = await readUntil(conn, "\r\n\r\n");
          if (head.startsWith("GET /health")) {
            await writeAll(conn, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            return;
          }
          heads.push(head);
          if ((opts.status ?? 200) !== 200) {
            await writeAll(conn, `HTTP/1.1 ${opts.status} Nope\r\nContent-Length: 0\r\n\r\n`);
            return;
          }
          const up = await Deno.connect({ hostname: "127.0.0.1", port: tlsPort });
          await writeAll(conn, "HTTP/1.1 200 Connection Established\r\n\r\n");
          await pipeBoth(conn, up);
        } catch {
          /* test double: connection torn down */
        } finally {
          open.delete(conn);
          try {
            conn.close();
          } catch { /* closed */ }
        }
      })());
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    heads,
    async close() {
      listener.close();
      for (const c of open) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      await loop.catch(() => {});
      await Promise.all(tasks);
    },
  };
}

async function setDaemonPort(home: string, port: number) {
  const path = `${home}/effective-ports.json`;
  let cur: Record<string, number> = {};
  try {
    cur = JSON.parse(await Deno.readTextFile(path));
  } catch { /* none yet */ }
  await Deno.writeTextFile(path, JSON.stringify({ ...cur, internal: port }));
}

Deno.test("edge without a daemon tunnels; 100 MB arrive byte-identical", async () => {
  const f = await setup({}, true);
  let edge: RoleProcess | undefined;
  try {
    edge = await startMain(["--role", "edge"], f.home);
    const out = `${f.dir}/out.bin`;
    const r = await curlVia(edge.port, f, "/big", ["-o", out]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await sha256File(out), f.bigSha);
    assert.equal((await Deno.stat(out)).size, 100_000_000);
    const ports = JSON.parse(await Deno.readTextFile(`${f.home}/effective-ports.json`));
    assert.equal(ports.edge, edge.port);
    assert.equal(await edge.stop(), 0);
    edge = undefined;
  } finally {
    await teardown(f, edge);
  }
});

Deno.test("edge chains intercepted CONNECTs to a healthy daemon, with Proxy-Authorization", async () => {
  const f = await setup();
  const daemon = startDaemonDouble(f.tlsPort);
  let edge: RoleProcess | undefined;
  try {
    await setDaemonPort(f.home, daemon.port);
    edge = await startMain(["--role", "edge"], f.home);
    const r = await curlVia(edge.port, f, "/v1/messages", [
      "-U",
      "myproject:",
      // A client must not be able to name the connection the daemon looks up.
      "--proxy-header",
      "X-Halton-Meter-Client: 1 2",
      "-w",
      "\n%{local_port}",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const [body, clientPort] = r.stdout.split("\n").filter((l) => l !== "");
    assert.equal(body, "hello from upstream /v1/messages");
    assert.equal(daemon.heads.length, 1);
    assert.match(daemon.heads[0], /^CONNECT api\.anthropic\.com:443 HTTP\/1\.1\r\n/);
    // curl sends the credentials as Basic base64("myproject:").
    assert.match(daemon.heads[0], /Proxy-Authorization: Basic bXlwcm9qZWN0Og==\r\n/i);
    // The edge names the client's connection: its source port and the edge port.
    assert.deepEqual(daemon.heads[0].match(/^x-halton-meter-client:.*$/gim), [
      `X-Halton-Meter-Client: ${clientPort} ${edge.port}`,
    ]);

    // A host that is not on the intercept list is tunnelled, not chained.
    const direct = await run("curl", [
      "-sS",
      "--fail",
      "-x",
      `http://127.0.0.1:${edge.port}`,
      "--cacert",
      f.ca.caFile,
      "--connect-to",
      `localhost:443:127.0.0.1:${f.tlsPort}`,
      "https://localhost/other",
    ]);
    assert.equal(direct.code, 0, direct.stderr);
    assert.equal(daemon.heads.length, 1, "non-intercepted host must not reach the daemon");
  } finally {
    await daemon.close();
    await teardown(f, edge);
  }
});

Deno.test("edge falls back to a direct tunnel when the daemon dies or refuses", async () => {
  const f = await setup();
  let daemon = startDaemonDouble(f.tlsPort);
  let edge: RoleProcess | undefined;
  try {
    await setDaemonPort(f.home, daemon.port);
    edge = await startMain(["--role", "edge"], f.home);
    let r = await curlVia(edge.port, f, "/one");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(daemon.heads.length, 1);
    // Kill the daemon while the edge still believes it healthy (TTL 1000 ms).
    await daemon.close();
    r = await curlVia(edge.port, f, "/two");
    assert.equal(r.code, 0, `client saw the daemon failure: ${r.stderr}`);
    assert.equal(r.stdout, "hello from upstream /two\n");

    // A daemon that answers the CONNECT with an error is bypassed too.
    daemon = startDaemonDouble(f.tlsPort, { status: 503 });
    await setDaemonPort(f.home, daemon.port);
    await new Promise((res) => setTimeout(res, 250)); // past the unhealthy TTL
    r = await curlVia(edge.port, f, "/three");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "hello from upstream /three\n");
    assert.equal(daemon.heads.length, 1, "the refusing daemon did see the CONNECT");
    const log = await Deno.readTextFile(`${f.home}/logs/edge.log`);
    assert.match(log, /tunnelling directly/);
    assert.doesNotMatch(log, /\/two|\/three/, "the log must not contain request contents");
  } finally {
    await daemon.close();
    await teardown(f, edge);
  }
});

Deno.test("edge answers malformed and hostile input with the right status", async () => {
  const f = await setup({ edge: { head_timeout_ms: 300, connect_timeout_ms: 2000 } });
  let edge: RoleProcess | undefined;
  try {
    edge = await startMain(["--role", "edge"], f.home);
    const status = (text: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
    const big = "CONNECT a.example:443 HTTP/1.1\r\nX-Big: " + "x".repeat(70_000) + "\r\n\r\n";
    assert.equal(status(await rawExchange(edge.port, big)), 431);
    assert.equal(status(await rawExchange(edge.port, "HELLO WORLD\r\n\r\n")), 400);
    assert.equal(status(await rawExchange(edge.port, "CONNECT nohost HTTP/1.1\r\n\r\n")), 400);
    assert.equal(
      status(await rawExchange(edge.port, "CONNECT a.example:99999 HTTP/1.1\r\n\r\n")),
      400,
    );
    assert.equal(status(await rawExchange(edge.port, "\x16\x03\x01\x00\x10garbage")), 400);
    // Head never completed: 408 after the configured timeout, then close.
    assert.equal(status(await rawExchange(edge.port, "CONNECT a.example:443 HTTP/1.1\r\n")), 408);
    // Upstream unreachable: 502 with a one-line reason.
    const closed = freePort();
    const resp = await rawExchange(edge.port, `CONNECT 127.0.0.1:${closed} HTTP/1.1\r\n\r\n`);
    assert.equal(status(resp), 502);
    const body = resp.split("\r\n\r\n")[1];
    assert.equal(body.trim().split("\n").length, 1);
    assert.match(body, /connection refused/);
    // The edge is still serving after all that.
    const r = await curlVia(edge.port, f, "/still-up");
    assert.equal(r.code, 0, r.stderr);
  } finally {
    await teardown(f, edge);
  }
});

Deno.test("edge forwards absolute-form plain HTTP and strips proxy headers", async () => {
  const f = await setup();
  let edge: RoleProcess | undefined;
  const seen: Headers[] = [];
  const origin = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    seen.push(req.headers);
    return new Response(`plain ${new URL(req.url).pathname}${new URL(req.url).search}`);
  });
  try {
    edge = await startMain(["--role", "edge"], f.home);
    const r = await run("curl", [
      "-sS",
      "--fail",
      "-x",
      `http://u:p@127.0.0.1:${edge.port}`,
      `http://127.0.0.1:${origin.addr.port}/path?q=1`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "plain /path?q=1");
    assert.equal(seen.length, 1);
    assert.equal(seen[0].get("proxy-authorization"), null);
    assert.equal(seen[0].get("host"), `127.0.0.1:${origin.addr.port}`);
  } finally {
    await origin.shutdown();
    await teardown(f, edge);
  }
});

Deno.test("edge propagates half-close and keeps the other direction open", async () => {
  const f = await setup();
  const echo = startEchoServer();
  let edge: RoleProcess | undefined;
  try {
    edge = await startMain(["--role", "edge"], f.home);
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: edge.port });
    await writeAll(conn, `CONNECT 127.0.0.1:${echo.port} HTTP/1.1\r\n\r\n`);
    const established = await readUntil(conn, "\r\n\r\n");
    assert.match(established, /^HTTP\/1\.1 200/);
    await writeAll(conn, "hello");
    await conn.closeWrite();
    const rest = await readAll(conn);
    conn.close();
    assert.equal(rest, "hello\nEOF after 5 bytes\n");
  } finally {
    await echo.close();
    await teardown(f, edge);
  }
});

function rssKb(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
}

Deno.test("edge holds 1,000 concurrent tunnels with bounded memory", async () => {
  const f = await setup();
  const echo = startEchoServer();
  let edge: RoleProcess | undefined;
  const conns: Deno.Conn[] = [];
  try {
    edge = await startMain(["--role", "edge"], f.home);
    const before = rssKb(edge.pid);
    const N = 1000;
    for (let batch = 0; batch < N; batch += 100) {
      const opened = await Promise.all(
        Array.from({ length: 100 }, async () => {
          const c = await Deno.connect({ hostname: "127.0.0.1", port: edge!.port });
          await writeAll(c, `CONNECT 127.0.0.1:${echo.port} HTTP/1.1\r\n\r\n`);
          const head = await readUntil(c, "\r\n\r\n");
          assert.match(head, /^HTTP\/1\.1 200/);
          return c;
        }),
      );
      conns.push(...opened);
    }
    // Every tunnel carries data at once.
    await Promise.all(conns.map(async (c, i) => {
      const msg = `tunnel-${i}-` + "z".repeat(1000);
      await writeAll(c, msg);
      const got = await readUntil(c, msg);
      assert.equal(got, msg);
    }));
    const during = rssKb(edge.pid);
    console.log(`edge RSS: ${before} kB idle, ${during} kB with ${N} open tunnels`);
    assert.equal(echo.connections(), N);
    // 1,000 tunnels use two small buffers each; 160 MB would mean unbounded buffering.
    assert.ok(during - before < 160_000, `RSS grew ${during - before} kB`);
  } finally {
    for (const c of conns) {
      try {
        c.close();
      } catch { /* closed */ }
    }
    await echo.close();
    await teardown(f, edge);
  }
});

Deno.test("edge on SIGTERM stops accepting and lets open tunnels finish", async () => {
  const f = await setup({ edge: { drain_timeout_ms: 5000 } });
  const echo = startEchoServer();
  let edge: RoleProcess | undefined;
  try {
    edge = await startMain(["--role", "edge"], f.home);
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: edge.port });
    await writeAll(conn, `CONNECT 127.0.0.1:${echo.port} HTTP/1.1\r\n\r\n`);
    assert.match(await readUntil(conn, "\r\n\r\n"), /^HTTP\/1\.1 200/);
    edge.process.kill("SIGTERM");
    // New connections are refused once the listener is closed.
    let refused = false;
    for (let i = 0; i < 50 && !refused; i++) {
      try {
        const c = await Deno.connect({ hostname: "127.0.0.1", port: edge.port });
        c.close();
        await new Promise((r) => setTimeout(r, 20));
      } catch (err) {
        refused = err instanceof Deno.errors.ConnectionRefused;
      }
    }
    assert.ok(refused, "edge kept accepting after SIGTERM");
    // The open tunnel still works.
    await writeAll(conn, "still here");
    assert.equal(await readUntil(conn, "still here"), "still here");
    await conn.closeWrite();
    assert.match(await readAll(conn), /EOF after 10 bytes/);
    conn.close();
    const code = await edge.stop();
    edge = undefined;
    assert.equal(code, 0);
  } finally {
    await echo.close();
    await teardown(f, edge);
  }
});

Deno.test("edge falls back to the next port when its port is taken", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const takenPort = (taken.addr as Deno.NetAddr).port;
  const f = await setup({ ports: { edge: takenPort } });
  let edge: RoleProcess | undefined;
  try {
    edge = await startMain(["--role", "edge"], f.home);
    assert.notEqual(edge.port, takenPort);
    assert.ok(edge.port > takenPort && edge.port <= takenPort + 20);
    const ports = JSON.parse(await Deno.readTextFile(`${f.home}/effective-ports.json`));
    assert.equal(ports.edge, edge.port);
    const health = await rawExchange(edge.port, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.match(health, /"role":"edge"/);
  } finally {
    taken.close();
    await teardown(f, edge);
  }
});

Deno.test("edge refuses to start on an invalid config, naming the key", async () => {
  const f = await setup({ ports: { edge: "8081" } });
  try {
    await assert.rejects(
      () => startMain(["--role", "edge"], f.home, { timeoutMs: 15_000 }),
      /"ports\.edge": expected an integer/,
    );
  } finally {
    await teardown(f);
  }
});
