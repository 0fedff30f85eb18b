/**
 * Starts the three things `bench metered` measures against: the fake upstream,
 * Halton Meter (`main.ts up`: edge + daemon, exactly as users run it) and mitmdump.
 * Every process and temp dir is registered in the bench's cleanup scope.
 */
import { startMain } from "../../tests/_support/role_process.ts";
import { makeTestCa, type TestCa } from "../../tests/_support/test_ca.ts";
import type { CleanupScope } from "./cleanup_scope.ts";
import { makeTempDir } from "./make_temp_dir.ts";
import { startChild, stopProcess } from "./start_child.ts";

export const UPSTREAM_HOST = "api.anthropic.com";

export interface Upstream {
  pid: number;
  port: number;
  ca: TestCa;
}

export interface Halton {
  home: string;
  edgePort: number;
  edgePid: number;
  daemonPid: number;
  caPem: string;
}

export interface Mitmdump {
  pid: number;
  port: number;
  caPem: string;
  version: string;
}

export async function startUpstream(scope: CleanupScope): Promise<Upstream> {
  const dir = await makeTempDir(scope, "halton-bench-upstream-");
  // The test cert is valid for api.anthropic.com and IP 127.0.0.1.
  const ca = await makeTestCa(`${dir}/ca`);
  const script = new URL("./metered_upstream.ts", import.meta.url).pathname;
  const child = startChild(scope, "fake upstream", Deno.execPath(), [
    "run",
    "--quiet",
    "--allow-net=127.0.0.1",
    `--allow-read=${dir}`,
    script,
    ca.certFile,
    ca.keyFile,
  ]);
  const m = await child.waitFor(/UPSTREAM_READY (\d+)/, 30_000);
  return { pid: child.pid, port: Number(m[1]), ca };
}

export async function startHalton(
  scope: CleanupScope,
  upstream: Upstream,
  opts: {
    policy?: unknown;
    config?: Record<string, unknown>;
    /** A home prepared beforehand (a generated database); default: a new temp dir. */
    home?: string;
    /** How long `up` may take to be ready (default 60 s). */
    readyTimeoutMs?: number;
  } = {},
): Promise<Halton> {
  const home = opts.home ?? await makeTempDir(scope, "halton-bench-home-");
  if (opts.policy !== undefined) {
    await Deno.writeTextFile(`${home}/policy.json`, JSON.stringify(opts.policy));
  }
  const config = {
    ports: { edge: 0, internal: 0, api: 0 },
    upstream: {
      resolve: { [`${UPSTREAM_HOST}:443`]: `127.0.0.1:${upstream.port}` },
      ca_file: upstream.ca.caFile,
    },
    ...opts.config,
  };
  await Deno.writeTextFile(`${home}/config.json`, JSON.stringify(config));
  const up = await startMain(["up"], home, {
    ready: /edge\s+127\.0\.0\.1:(\d+)[^]*NODE_EXTRA_CA_CERTS/,
    timeoutMs: opts.readyTimeoutMs ?? 60_000,
  });
  scope.defer("halton-meter up", async () => {
    await stopProcess(up.process, 5000);
    await up.stop("SIGKILL"); // already gone: this only drains its pipes
  });
  const pid = async (role: string) =>
    Number((await Deno.readTextFile(`${home}/run/${role}.pid`)).trim());
  return {
    home,
    edgePort: up.port,
    edgePid: await pid("edge"),
    daemonPid: await pid("daemon"),
    caPem: await Deno.readTextFile(`${home}/ca/halton-meter-ca.pem`),
  };
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

export async function startMitmdump(scope: CleanupScope, upstream: Upstream): Promise<Mitmdump> {
  const confdir = await makeTempDir(scope, "halton-bench-mitm-");
  const port = freePort();
  let version = "unknown";
  try {
    const out = await new Deno.Command("mitmdump", { args: ["--version"], stdout: "piped" })
      .output();
    version = /Mitmproxy:\s*(\S+)/.exec(new TextDecoder().decode(out.stdout))?.[1] ?? version;
  } catch (err) {
    throw new Error("mitmdump not found: install it with `apt-get install mitmproxy`", {
      cause: err,
    });
  }
  const child = startChild(scope, "mitmdump", "mitmdump", [
    // -q: no per-flow console log, which would only slow mitmdump down.
    "-q",
    "--listen-host",
    "127.0.0.1",
    "--listen-port",
    String(port),
    "--set",
    `confdir=${confdir}`,
    "--set",
    `ssl_verify_upstream_trusted_ca=${upstream.ca.caFile}`,
  ]);
  const caFile = `${confdir}/mitmproxy-ca-cert.pem`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const c = await Deno.connect({ hostname: "127.0.0.1", port });
      c.close();
      const caPem = await Deno.readTextFile(caFile);
      return { pid: child.pid, port, caPem, version };
    } catch {
      if (Date.now() > deadline) {
        throw new Error(`mitmdump did not listen on ${port} within 30 s:\n${child.output()}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
