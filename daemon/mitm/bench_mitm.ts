/**
 * Benchmark of the mitm engine on loopback (not a test). Three processes: a fake TLS upstream
 * (Deno.serve), the engine (this file with --role engine), and the load generator (this file).
 *
 *   deno run -A daemon/mitm/bench_mitm.ts [--requests 20000] [--concurrency 32]
 *
 * Prints JSON: direct vs through-mitm throughput, the engine's CPU time per request (the figure
 * to compare changes by on a shared machine), sequential keep-alive latency, engine RSS growth
 * per request (after a warm-up, with GC forced in the engine before each sample).
 */
import { createMitmServer } from "./create_mitm_server.ts";
import { makeTestPki } from "./_test_certs.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const arg = (name: string, dflt: string) => {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Deno.args[i + 1] : dflt;
};

class Reader {
  buf = new Uint8Array(1 << 16);
  start = 0;
  end = 0;
  constructor(readonly conn: Deno.Conn) {}
  async fill() {
    if (this.start > 0) {
      this.buf.copyWithin(0, this.start, this.end);
      this.end -= this.start;
      this.start = 0;
    }
    if (this.end === this.buf.length) {
      const nb = new Uint8Array(this.buf.length * 2);
      nb.set(this.buf);
      this.buf = nb;
    }
    const n = await this.conn.read(this.buf.subarray(this.end));
    if (n === null) throw new Error("connection closed mid-response");
    this.end += n;
  }
  async head(): Promise<string> {
    let scanned = 0;
    for (;;) {
      for (let i = this.start + scanned; i + 3 < this.end; i++) {
        if (
          this.buf[i] === 13 && this.buf[i + 1] === 10 && this.buf[i + 2] === 13 &&
          this.buf[i + 3] === 10
        ) {
          const s = dec.decode(this.buf.subarray(this.start, i));
          this.start = i + 4;
          return s;
        }
      }
      scanned = Math.max(0, this.end - this.start - 3);
      await this.fill();
    }
  }
  async skip(n: number) {
    while (this.end - this.start < n) {
      n -= this.end - this.start;
      this.start = this.end;
      await this.fill();
    }
    this.start += n;
  }
}

const BODY = JSON.stringify({
  model: "claude-x",
  max_tokens: 10,
  messages: [{ role: "user", content: "hi" }],
});
const REQUEST = enc.encode(
  `POST /v1/messages HTTP/1.1\r\nHost: api.anthropic.com\r\ncontent-type: application/json\r\n` +
    `content-length: ${BODY.length}\r\n\r\n${BODY}`,
);

async function openClient(port: number, viaProxy: boolean, caPem: string): Promise<Deno.TlsConn> {
  const tcp = await Deno.connect({ hostname: "127.0.0.1", port });
  if (viaProxy) {
    await tcp.write(
      enc.encode("CONNECT api.anthropic.com:443 HTTP/1.1\r\nHost: api.anthropic.com:443\r\n\r\n"),
    );
    const h = await new Reader(tcp).head();
    if (!h.startsWith("HTTP/1.1 200")) throw new Error(`CONNECT refused: ${h}`);
  }
  return await Deno.startTls(tcp, { hostname: "api.anthropic.com", caCerts: [caPem] });
}

async function load(port: number, viaProxy: boolean, caPem: string, conc: number, total: number) {
  let left = total;
  const lat: number[] = [];
  const worker = async () => {
    const c = await openClient(port, viaProxy, caPem);
    const r = new Reader(c);
    while (left-- > 0) {
      const t0 = performance.now();
      await c.write(REQUEST);
      const h = await r.head();
      const m = /content-length:\s*(\d+)/i.exec(h);
      if (!m) throw new Error(`response without content-length: ${h}`);
      await r.skip(Number(m[1]));
      lat.push(performance.now() - t0);
    }
    c.close();
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: conc }, worker));
  const ms = performance.now() - t0;
  lat.sort((a, b) => a - b);
  const q = (p: number) => +lat[Math.min(lat.length - 1, Math.floor(lat.length * p))].toFixed(3);
  return { rps: Math.round(total / ms * 1000), p50: q(0.5), p99: q(0.99) };
}

/** The engine's user+system CPU seconds so far (robust to other load on a shared machine). */
function cpuSeconds(pid: number): number {
  const f = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const rest = f.slice(f.lastIndexOf(")") + 2).split(" ");
  return (Number(rest[11]) + Number(rest[12])) / 100;
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
  return m ? Number(m[1]) : NaN;
}

async function firstLine(p: Deno.ChildProcess): Promise<string> {
  const reader = p.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("child exited before printing its port");
    text += value;
  }
  reader.releaseLock();
  return text.split("\n")[0];
}

async function runUpstream(dir: string) {
  const body = JSON.stringify({
    id: "msg_1",
    type: "message",
    content: [{ type: "text", text: "x".repeat(200) }],
    usage: { input_tokens: 10, output_tokens: 20 },
  });
  Deno.serve({
    port: 0,
    hostname: "127.0.0.1",
    cert: await Deno.readTextFile(`${dir}/leaf.pem`),
    key: await Deno.readTextFile(`${dir}/leaf.key`),
    onListen: ({ port }) => console.log(port),
  }, async (req) => {
    await req.arrayBuffer();
    return new Response(body, { headers: { "content-type": "application/json" } });
  });
}

async function runEngine(dir: string, upstreamPort: number) {
  const certPem = await Deno.readTextFile(`${dir}/leaf.pem`);
  const keyPem = await Deno.readTextFile(`${dir}/leaf.key`);
  let observedBytes = 0;
  const mitm = createMitmServer({
    shouldIntercept: () => true,
    getCertificate: () => Promise.resolve({ certPem, keyPem }),
    resolve: () => ({ host: "127.0.0.1", port: upstreamPort }),
    upstreamCa: [await Deno.readTextFile(`${dir}/ca.pem`)],
    health: () => ({ status: "ok" }),
    // A realistic observer: sees every body chunk both ways.
    onCall: () => ({
      onRequestBody: (c) => observedBytes += c.length,
      onResponseBody: (c) => observedBytes += c.length,
      onEnd: () => {},
    }),
  });
  const { port } = await mitm.listen(0);
  console.log(port);
  Deno.addSignalListener("SIGINT", () => mitm.close(0).then(() => Deno.exit(0)));
  const gc = (globalThis as { gc?: () => void }).gc;
  // The parent sends a line to ask for a GC before it samples RSS.
  for await (const _ of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) gc?.();
  void observedBytes;
}

async function main() {
  const total = Number(arg("requests", "20000"));
  const conc = Number(arg("concurrency", "32"));
  const pki = await makeTestPki(["api.anthropic.com"]);
  const self = import.meta.filename!;
  // BENCH_ENGINE_FLAGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the engine.
  const engineFlags = (Deno.env.get("BENCH_ENGINE_FLAGS") ?? "").split(" ").filter(Boolean);
  const spawn = (args: string[], flags: string[] = []) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", ...flags, self, ...args],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
  const up = spawn(["--role", "upstream", "--dir", pki.dir]);
  const upPort = Number(await firstLine(up));
  const eng = spawn(
    ["--role", "engine", "--dir", pki.dir, "--upstream", String(upPort)],
    ["--v8-flags=--expose-gc", ...engineFlags],
  );
  const engPort = Number(await firstLine(eng));
  const gcWriter = eng.stdin.getWriter();
  const sample = async () => {
    await gcWriter.write(enc.encode("gc\n"));
    await new Promise((r) => setTimeout(r, 500));
    return rssKb(eng.pid);
  };
  try {
    await load(upPort, false, pki.caPem, conc, 2000); // warm-up
    const direct = await load(upPort, false, pki.caPem, conc, total);
    const directSeq = await load(upPort, false, pki.caPem, 1, 2000);
    await load(engPort, true, pki.caPem, conc, 5000); // warm-up: pool, JIT, caches
    const rss0 = await sample();
    const cpu0 = cpuSeconds(eng.pid);
    const mitm = await load(engPort, true, pki.caPem, conc, total);
    const cpu1 = cpuSeconds(eng.pid);
    const rss1 = await sample();
    const mitm2 = await load(engPort, true, pki.caPem, conc, total);
    const rss2 = await sample();
    const mitmSeq = await load(engPort, true, pki.caPem, 1, 2000);
    console.log(JSON.stringify(
      {
        requests: total,
        concurrency: conc,
        direct,
        mitm: [mitm, mitm2],
        engineCpuUsPerRequest: Math.round((cpu1 - cpu0) / total * 1e6),
        throughputRatio: +(Math.max(mitm.rps, mitm2.rps) / direct.rps).toFixed(3),
        sequential: {
          direct: directSeq,
          mitm: mitmSeq,
          addedP50Ms: +(mitmSeq.p50 - directSeq.p50).toFixed(3),
          addedP99Ms: +(mitmSeq.p99 - directSeq.p99).toFixed(3),
        },
        engineRssKb: { afterWarmup: rss0, afterRun1: rss1, afterRun2: rss2 },
        rssGrowthKbPerRequest: {
          run1: +((rss1 - rss0) / total).toFixed(4),
          run2: +((rss2 - rss1) / total).toFixed(4),
        },
      },
      null,
      2,
    ));
  } finally {
    await gcWriter.close().catch(() => {});
    // SIGINT lets the engine exit normally (and write a profile when asked to).
    for (const p of [eng, up]) {
      p.kill("SIGINT");
      await p.status;
    }
    await Deno.remove(pki.dir, { recursive: true });
  }
}

function entry(): Promise<void> {
  const role = arg("role", "main");
  if (role === "upstream") return runUpstream(arg("dir", ""));
  if (role === "engine") return runEngine(arg("dir", ""), Number(arg("upstream", "0")));
  return main();
}

if (import.meta.main) void entry();
