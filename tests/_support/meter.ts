/**
 * A running meter for black-box tests: `main.ts up` in a temporary HALTON_METER_HOME whose
 * config sends api.anthropic.com, api.openai.com and generativelanguage.googleapis.com to a
 * fake provider (loopback only), with the API's port and token read back for `/v1/calls`.
 */
import assert from "node:assert/strict";
import { makeTestCa, type TestCa } from "./test_ca.ts";
import { type EntryOptions, type RoleProcess, startMain } from "./role_process.ts";
import { type FakeProvider, startFakeProvider } from "./fake_provider.ts";

export interface Meter {
  dir: string;
  home: string;
  ca: TestCa;
  fake: FakeProvider;
  up: RoleProcess;
  ports: { edge: number; internal: number; api: number };
  token: string;
}

export interface MeterOptions extends EntryOptions {
  /** Written to `policy.json` before the daemon starts. */
  policy?: unknown;
  /** Extra environment for `up` and its roles (e.g. HALTON_METER_TEST_CLOCK). */
  env?: Record<string, string>;
  /** Called with the home directory before `up` starts (to place files). */
  prepare?(dir: string, home: string): Promise<void> | void;
  /** Top-level sections merged into the generated config.json (e.g. `{edge: {...}}`). */
  config?: Record<string, unknown>;
  /**
   * More `upstream.resolve` entries (`"host:443": "127.0.0.1:port"`): e.g. the hosts a real
   * CLI tries besides its provider, sent to a closed loopback port so nothing leaves the
   * machine.
   */
  resolve?: Record<string, string>;
  /**
   * A command prefix `up` runs through (it must exec the rest), e.g. `unshare -m` with a
   * mount of its own. The meter's `home` is then read through `/proc/<up pid>/root`, which
   * sees that mount namespace.
   */
  wrap?: string[];
}

/** The provider hosts the fake answers for (its certificate names them). */
export const FAKE_HOSTS = [
  "api.anthropic.com",
  "api.openai.com",
  "generativelanguage.googleapis.com",
] as const;

/** `prefix` names the temporary directory (home, CA, and whatever the test adds). */
export async function startMeter(prefix = "hm-metered-", opts: MeterOptions = {}): Promise<Meter> {
  const dir = await Deno.makeTempDir({ prefix });
  const home = `${dir}/home`;
  await Deno.mkdir(home);
  if (opts.policy !== undefined) {
    await Deno.writeTextFile(`${home}/policy.json`, JSON.stringify(opts.policy, null, 2));
  }
  await opts.prepare?.(dir, home);
  const ca = await makeTestCa(`${dir}/ca`, [...FAKE_HOSTS, "localhost"]);
  const fake = startFakeProvider(ca);
  try {
    const to = `127.0.0.1:${fake.port}`;
    const resolve = Object.fromEntries(FAKE_HOSTS.map((h) => [`${h}:443`, to]));
    await Deno.writeTextFile(
      `${home}/config.json`,
      JSON.stringify({
        ports: { edge: 0, internal: 0, api: 0 },
        upstream: {
          resolve: { ...resolve, ...opts.resolve },
          ca_file: ca.caFile,
        },
        ...opts.config,
      }),
    );
    const up = await startMain(["up"], home, {
      ready: /NODE_EXTRA_CA_CERTS/,
      env: opts.env,
      wrap: opts.wrap,
      entry: opts.entry,
      cwd: opts.cwd,
    });
    const seen = opts.wrap ? `/proc/${up.pid}/root${home}` : home;
    const ports = JSON.parse(await Deno.readTextFile(`${seen}/effective-ports.json`));
    const token = (await Deno.readTextFile(`${seen}/api-token`)).trim();
    return { dir, home: seen, ca, fake, up, ports, token };
  } catch (err) {
    await fake.close();
    throw err;
  }
}

/** SIGTERM, and its exit code; then nothing of the meter is left. */
export async function stopMeter(m: Meter): Promise<number> {
  try {
    return await m.up.stop("SIGTERM");
  } finally {
    await m.up.stop("SIGKILL");
    await m.fake.close();
    await Deno.remove(m.dir, { recursive: true });
  }
}

export type Row = Record<string, unknown>;

/** GET `path` on the API with the meter's token. */
export async function api(m: Meter, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`http://127.0.0.1:${m.ports.api}${path}`, {
    headers: { authorization: `Bearer ${m.token}`, ...headers },
  });
  return { status: res.status, body: await res.json() };
}

/**
 * curl's arguments for an Anthropic call through the meter's edge: tagged `project` by proxy
 * credentials, trusting the meter's CA, with API key `key`; `extra` (body, headers, URL) last.
 */
export function curlArgs(m: Meter, project: string, key: string, extra: string[]): string[] {
  return [
    "-sS",
    "--max-time",
    "20",
    "-x",
    `http://127.0.0.1:${m.ports.edge}`,
    "-U",
    `${project}:`,
    "--cacert",
    `${m.home}/ca/halton-meter-ca.pem`,
    "-H",
    "content-type: application/json",
    "-H",
    "anthropic-version: 2023-06-01",
    "-H",
    `x-api-key: ${key}`,
    ...extra,
  ];
}

/** Polls /v1/calls?project= until `count` rows are there (rows land in batches). */
export async function waitRows(
  m: Meter,
  project: string,
  count = 1,
  timeoutMs = 8000,
): Promise<Row[]> {
  const end = Date.now() + timeoutMs;
  let rows: Row[] = [];
  while (Date.now() < end) {
    const r = await api(m, `/v1/calls?project=${encodeURIComponent(project)}`);
    assert.equal(r.status, 200);
    rows = r.body.calls;
    if (rows.length >= count) return rows;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `only ${rows.length} of ${count} rows for project ${project} after ${timeoutMs} ms`,
  );
}
