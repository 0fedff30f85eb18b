import { SELF_TEST_HOST } from "../core/mod.ts";
import { loopbackGet, readHead, readResponse, splitPem, writeAll } from "./_loopback_http.ts";

export interface SelfTestInput {
  edgePort: number;
  apiPort: number;
  /** Bearer token for the API (`<home>/api-token`). */
  token: string;
  /** The bundle the TLS handshake must verify against: the combined bundle init wrote. */
  bundlePem: string;
  /** The OS trust store's PEM bundle, when there is one: reported as `systemTrust`. */
  systemRootsPem?: string;
  /** Whole budget, request and row included (default 30 s). */
  timeoutMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export type SelfTestStage = "edge" | "tls" | "response" | "row";

export type SelfTestResult =
  | {
    ok: true;
    ms: number;
    /** Whether a handshake verified against the OS bundle alone also succeeds. */
    systemTrust: "trusted" | "untrusted" | "unknown";
    detail: string;
  }
  | { ok: false; stage: SelfTestStage; message: string; ms: number };

class StageError extends Error {
  constructor(readonly stage: SelfTestStage, message: string) {
    super(message);
  }
}

/**
 * An answer's body for an error message: an API error's `{"error":{"message"}}` whole (it
 * names paths, and a path cut short sends the reader to the wrong file), else the body with
 * its whitespace collapsed, shortened at a word boundary only when it is long.
 */
export function describeBody(body: string, max = 400): string {
  try {
    const parsed: unknown = JSON.parse(body);
    const error = typeof parsed === "object" && parsed !== null && "error" in parsed
      ? parsed.error
      : parsed;
    const message = typeof error === "object" && error !== null && "message" in error
      ? error.message
      : undefined;
    if (typeof message === "string" && message !== "") return message;
  } catch { /* not JSON */ }
  const flat = body.replace(/\s+/g, " ").trim();
  if (flat.length <= max) return flat;
  const space = flat.lastIndexOf(" ", max);
  return `${flat.slice(0, space > max / 2 ? space : max)} … (${flat.length} characters in all)`;
}

/** Closes `conn` when the deadline passes, which ends any read or handshake in progress. */
function armDeadline(conn: { close(): void }, ms: number): () => void {
  const timer = setTimeout(() => {
    try {
      conn.close();
    } catch { /* closed */ }
  }, Math.max(1, ms));
  return () => clearTimeout(timer);
}

/** CONNECT through the edge, TLS to the self-test host verified by `caCerts`, one GET. */
async function requestThroughEdge(
  edgePort: number,
  caCerts: string[],
  nonce: string,
  budgetMs: number,
): Promise<{ status: number; body: string }> {
  let conn: Deno.TcpConn;
  try {
    conn = await Deno.connect({ hostname: "127.0.0.1", port: edgePort });
  } catch (err) {
    throw new StageError("edge", `cannot connect to the edge on 127.0.0.1:${edgePort}: ${err}`);
  }
  let tlsConn: Deno.TlsConn | null = null;
  const disarm = armDeadline({ close: () => (tlsConn ?? conn).close() }, budgetMs);
  try {
    const target = `${SELF_TEST_HOST}:443`;
    await writeAll(conn, `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
    const head = await readHead(conn).catch((err) => {
      throw new StageError("edge", `no answer to CONNECT: ${err}`);
    });
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1];
    if (status !== "200") {
      throw new StageError(
        "edge",
        `the edge answered CONNECT with ${JSON.stringify(head.split("\r\n")[0] ?? "")}` +
          " (is the daemon up? the edge tunnels raw, and fails, when it is not)",
      );
    }
    try {
      tlsConn = await Deno.startTls(conn, { hostname: SELF_TEST_HOST, caCerts });
      await tlsConn.handshake();
    } catch (err) {
      throw new StageError(
        "tls",
        `TLS to ${SELF_TEST_HOST} through the edge was not verified by the CA bundle: ${err}`,
      );
    }
    await writeAll(
      tlsConn,
      `GET /selftest HTTP/1.1\r\nHost: ${SELF_TEST_HOST}\r\nUser-Agent: halton-meter-selftest\r\n` +
        `x-halton-meter-self-test: ${nonce}\r\nConnection: close\r\n\r\n`,
    );
    const res = await readResponse(tlsConn).catch((err) => {
      throw new StageError("response", `no HTTP answer from the daemon: ${err}`);
    });
    return { status: res.status, body: res.body };
  } finally {
    disarm();
    try {
      (tlsConn ?? conn).close();
    } catch { /* closed */ }
  }
}

/**
 * The post-install proof: a real HTTPS request through the edge to `SELF_TEST_HOST`, which
 * the daemon answers itself, verified against the combined bundle; then the row it wrote is
 * read back from the API. Failure is data naming the hop that failed.
 */
export async function runSelfTest(input: SelfTestInput): Promise<SelfTestResult> {
  const now = input.now ?? Date.now;
  const sleep = input.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const started = now();
  const deadline = started + (input.timeoutMs ?? 30_000);
  const nonce = crypto.randomUUID();
  const caCerts = splitPem(input.bundlePem);
  try {
    if (caCerts.length === 0) {
      throw new StageError("tls", "the CA bundle holds no certificate; run halton-meter init");
    }
    const res = await requestThroughEdge(input.edgePort, caCerts, nonce, deadline - now());
    if (res.status !== 200 || !res.body.includes(nonce)) {
      throw new StageError(
        "response",
        `expected the daemon's self-test answer, got HTTP ${res.status}: ${describeBody(res.body)}`,
      );
    }
    const since = started - 1000;
    const path = `/v1/calls?include_self_test=true&provider=halton-meter&since=${since}&limit=20`;
    let last = "";
    while (true) {
      try {
        const r = await loopbackGet(input.apiPort, path, {
          Authorization: `Bearer ${input.token}`,
        });
        if (r.status === 200) {
          const calls = (JSON.parse(r.body) as { calls?: { endpoint?: string }[] }).calls ?? [];
          if (calls.some((c) => c.endpoint === "selftest")) break;
          last = "no self-test row yet";
        } else last = `API answered HTTP ${r.status}: ${describeBody(r.body)}`;
      } catch (err) {
        last = `API on 127.0.0.1:${input.apiPort}: ${err}`;
      }
      if (now() >= deadline) {
        throw new StageError("row", `no row written within the time limit (${last})`);
      }
      await sleep(200);
    }
    let systemTrust: "trusted" | "untrusted" | "unknown" = "unknown";
    const systemCerts = input.systemRootsPem ? splitPem(input.systemRootsPem) : [];
    if (systemCerts.length > 0) {
      systemTrust = await requestThroughEdge(
        input.edgePort,
        systemCerts,
        nonce,
        Math.max(1000, deadline - now()),
      ).then(() => "trusted" as const, () => "untrusted" as const);
    }
    const ms = now() - started;
    return {
      ok: true,
      ms,
      systemTrust,
      detail: `TLS intercepted, row written in ${ms} ms`,
    };
  } catch (err) {
    const ms = now() - started;
    if (err instanceof StageError) return { ok: false, stage: err.stage, message: err.message, ms };
    return { ok: false, stage: "edge", message: String(err), ms };
  }
}
