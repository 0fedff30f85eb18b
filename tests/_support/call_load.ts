/**
 * Concurrent load through a running meter for fault tests: `clients` loops, each sending
 * Anthropic Messages calls through the edge with Deno's own fetch (a client nobody here
 * wrote). Half the clients keep one connection alive; the others open a new connection
 * (CONNECT + TLS) per call. About 30% of the calls are streamed. Every call names its own
 * project (`x-halton-project`), so the test can tell exactly which calls have a row.
 */
import { loadExchange } from "./fake_provider.ts";

export interface CallOutcome {
  /** The call's unique project name, as its row will carry it. */
  project: string;
  stream: boolean;
  /** Which client loop sent it (0-based). */
  client: number;
  /** Sent on the loop's one kept-alive connection pool (else a new connection per call). */
  keepAlive: boolean;
  /** 200 and the recorded body, byte for byte. */
  ok: boolean;
  /** Why it is not ok: a status, a body mismatch, or the fetch error. */
  error?: string;
  /** `performance.now()` when the call was sent. */
  startedAt: number;
  /** `performance.now()` when the whole response had arrived (or the call failed). */
  doneAt: number;
}

export interface CallLoad {
  /** Calls finished so far. */
  done(): readonly CallOutcome[];
  /** Stops starting calls, waits for those in flight, and returns every outcome. */
  stop(): Promise<CallOutcome[]>;
}

export interface CallLoadOptions {
  edgePort: number;
  /** PEM of the meter's CA. */
  caPem: string;
  /**
   * PEM of the fake provider's CA, trusted too, as a real client trusts the provider's public
   * CA: a call the edge tunnels raw (the daemon is down) meets the provider's own certificate.
   */
  upstreamCaPem?: string;
  /** Prefix of every project name (letters, digits, `-`). */
  prefix: string;
  /** Concurrent client loops; default 50. */
  clients?: number;
  /** Share of clients that keep their connection alive; default 0.5. */
  keepAliveShare?: number;
  /** Share of calls streamed; default 0.3. */
  streamShare?: number;
  /** Per-call timeout; default 20 s. */
  timeoutMs?: number;
  /** Calls started per second at most, over all clients; default: as fast as they go. */
  ratePerSecond?: number;
}

const PLAIN = loadExchange("anthropic/plain").body;
const STREAM = loadExchange("anthropic/stream_cache_5m_1h").body;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function body(stream: boolean): string {
  return JSON.stringify({
    model: "claude-sonnet-4-5-20250929",
    max_tokens: 64,
    ...(stream ? { stream: true } : {}),
    messages: [{ role: "user", content: "hi" }],
  });
}

/** Starts the load at once; call `stop()` to end it. */
export function startCallLoad(opts: CallLoadOptions): CallLoad {
  const clients = opts.clients ?? 50;
  const keepAlive = Math.round(clients * (opts.keepAliveShare ?? 0.5));
  const streamShare = opts.streamShare ?? 0.3;
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const outcomes: CallOutcome[] = [];
  let running = true;
  let seq = 0;
  let nextStart = 0;
  /** Waits for this call's start slot when the load is paced. */
  const pace = async () => {
    if (!opts.ratePerSecond) return;
    const now = performance.now();
    const at = Math.max(nextStart, now);
    nextStart = at + 1000 / opts.ratePerSecond;
    if (at > now) await new Promise((r) => setTimeout(r, at - now));
  };
  const newClient = () =>
    Deno.createHttpClient({
      proxy: { url: `http://127.0.0.1:${opts.edgePort}` },
      caCerts: opts.upstreamCaPem ? [opts.caPem, opts.upstreamCaPem] : [opts.caPem],
    });

  async function call(
    client: Deno.HttpClient,
    n: number,
    who: { client: number; keepAlive: boolean },
  ): Promise<CallOutcome> {
    // Spread streams evenly rather than randomly, so every run has the same mix.
    const stream = (n * streamShare) % 1 + streamShare >= 1;
    const project = `${opts.prefix}-${n}`;
    const base = { project, stream, ...who };
    const startedAt = performance.now();
    try {
      const res = await fetch("https://api.anthropic.com/v1/messages", {
        method: "POST",
        client,
        headers: {
          "content-type": "application/json",
          "anthropic-version": "2023-06-01",
          "x-api-key": "sk-ant-test-FAULTS-KEY-0000",
          "x-halton-project": project,
        },
        body: body(stream),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const bytes = new Uint8Array(await res.arrayBuffer());
      const doneAt = performance.now();
      if (res.status !== 200) {
        return { ...base, ok: false, error: `HTTP ${res.status}`, startedAt, doneAt };
      }
      if (!sameBytes(bytes, stream ? STREAM : PLAIN)) {
        return {
          ...base,
          ok: false,
          error: `body of ${bytes.length} bytes differs`,
          startedAt,
          doneAt,
        };
      }
      return { ...base, ok: true, startedAt, doneAt };
    } catch (err) {
      const cause = err instanceof Error && err.cause ? ` (${String(err.cause)})` : "";
      return {
        ...base,
        ok: false,
        error: String(err) + cause,
        startedAt,
        doneAt: performance.now(),
      };
    }
  }

  async function loop(index: number): Promise<void> {
    const shared = index < keepAlive ? newClient() : null;
    const who = { client: index, keepAlive: shared !== null };
    try {
      while (running) {
        await pace();
        if (!running) break;
        const client = shared ?? newClient();
        try {
          outcomes.push(await call(client, seq++, who));
        } finally {
          if (!shared) client.close();
        }
      }
    } finally {
      shared?.close();
    }
  }

  const loops = Array.from({ length: clients }, (_, i) => loop(i));
  return {
    done: () => outcomes,
    async stop() {
      running = false;
      await Promise.all(loops);
      return outcomes;
    },
  };
}

/** `failed` calls, and the `lost` ones: ok calls (matching `which`) with no row. */
export function countLost(
  outcomes: readonly CallOutcome[],
  projectsWithRows: ReadonlySet<string>,
  which: (o: CallOutcome) => boolean = () => true,
): { calls: number; ok: number; failed: CallOutcome[]; lost: CallOutcome[] } {
  const failed = outcomes.filter((o) => !o.ok);
  const lost = outcomes.filter((o) => o.ok && which(o) && !projectsWithRows.has(o.project));
  return { calls: outcomes.length, ok: outcomes.length - failed.length, failed, lost };
}
