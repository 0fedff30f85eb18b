import {
  type Adapter,
  findAdapter,
  markUndecodable,
  type RequestInfo,
  type ResponseParser,
} from "../../adapters/mod.ts";
import { type CallRecord, emptyUsage, type Logger, type Usage } from "../../core/mod.ts";
import {
  apiKeyFingerprint,
  clientFamily,
  type ProcessProject,
  projectFromHeader,
  projectFromProxyAuth,
  providerRequestId,
  rateLimitSnapshot,
} from "../attribution/mod.ts";
import {
  blockResponse,
  type CallFacts,
  type Decided,
  headerSafe,
  type PolicyEngine,
} from "../policy/mod.ts";
import { priceCall } from "../pricing/mod.ts";
import { uuidV7 } from "./uuid_v7.ts";
import type {
  ClientConnection,
  Decision,
  ExchangeEndInfo,
  ExchangeObserver,
  RequestInfo as ExchangeStart,
} from "../mitm/mod.ts";

/** Requests carrying this header are init's self-test: recorded, but kept out of reports. */
export const SELF_TEST_HEADER = "x-halton-meter-self-test";

export interface MeterDeps {
  /** Hands the finished row to the store's queue; must not block. */
  enqueue(record: CallRecord): void;
  log: Logger;
  newId?: () => string;
  /** How much of a request body the adapter sees (model and stream flag live at its top). */
  maxRequestBodyBytes?: number;
  /** Decides each call before it is forwarded; absent or inactive = observe only. */
  policy?: Pick<PolicyEngine, "active" | "decide"> & Partial<Pick<PolicyEngine, "usesProject">>;
  /**
   * The calling process's project (the process attributor's `projectFor`), asked only when
   * neither proxy auth nor the header names one. The row waits for it, never the call.
   */
  processProject?: (connection: ClientConnection) => Promise<ProcessProject | null>;
  /** The lookup's result when it has already finished (the attributor's `known`). */
  knownProcessProject?: (connection: ClientConnection) => ProcessProject | null | undefined;
  /** Longest a finished call's row waits for processProject; default 3000 ms. */
  processProjectWaitMs?: number;
  /**
   * Longest a decision waits for processProject when the policy matches on projects; default
   * 1000 ms (a lookup takes ~10 ms on a new connection, ~0 after). Past it, no project.
   */
  decisionProjectWaitMs?: number;
}

/** The observer factory, and a way to wait for rows still waiting on their process project. */
export type Meter = ((start: ExchangeStart) => ExchangeObserver) & {
  /** Resolves once every finished call's row has been handed to `enqueue`. */
  settled(): Promise<void>;
};

/** A zero cost for a call policy blocked: it never reached the provider. */
const BLOCKED_COST = {
  totalUsd: 0,
  inputUsd: 0,
  cacheReadUsd: 0,
  cacheWriteUsd: 0,
  outputUsd: 0,
  unpricedReason: null,
  priceVersion: null,
};

const NOOP: ExchangeObserver = {};

/**
 * Builds the observer factory the interception engine calls for each exchange. Observing
 * runs beside the bytes, never in front of them: any failure is logged and the call is still
 * forwarded (and, where possible, still recorded). With a policy in force the observer also
 * has a decision step, which runs before the bytes go upstream.
 */
export function createMeter(deps: MeterDeps): Meter {
  const maxBody = deps.maxRequestBodyBytes ?? 1024 * 1024;
  const waitMs = deps.processProjectWaitMs ?? 3000;
  const decisionWaitMs = deps.decisionProjectWaitMs ?? 1000;
  const waiting = new Set<Promise<void>>();
  // Time-ordered: the id is the calls table's primary key (see uuid_v7.ts).
  const newId = deps.newId ?? (() => uuidV7());
  const contained = <A extends unknown[]>(what: string, fn: (...a: A) => void) => (...a: A) => {
    try {
      fn(...a);
    } catch (err) {
      deps.log.log("error", `meter: ${what} failed; call forwarded unmetered`, {
        error: String(err).slice(0, 300),
      });
    }
  };

  const observe = (start: ExchangeStart): ExchangeObserver => {
    let adapter: Adapter;
    try {
      adapter = findAdapter(start.host, start.path);
    } catch (err) {
      deps.log.log("error", "meter: no adapter", { error: String(err).slice(0, 300) });
      return NOOP;
    }
    const chunks: Uint8Array[] = [];
    let bodyBytes = 0;
    let request: RequestInfo | null = null;
    let parser: ResponseParser | null = null;
    let status: number | null = null;
    let responseHeaders: Headers | null = null;

    const selfTest = start.headers.has(SELF_TEST_HEADER);
    const named = projectFromProxyAuth(start.proxyAuthorization) ??
      projectFromHeader(start.headers);
    // undefined while the lookup runs (started now: the process may be gone by the end).
    let fromProcess: ProcessProject | null | undefined = null;
    let lookup: Promise<unknown> | null = null;
    const known = named === null && !selfTest
      ? deps.knownProcessProject?.(start.connection)
      : undefined;
    if (known !== undefined) {
      // Every request after a connection's first: its lookup is done, no promise to wait on.
      fromProcess = known;
    } else if (named === null && !selfTest && deps.processProject) {
      fromProcess = undefined;
      try {
        lookup = deps.processProject(start.connection).then(
          (p) => fromProcess = p,
          () => fromProcess = null,
        );
      } catch {
        fromProcess = null;
      }
    }
    const project = () => named ?? fromProcess ?? null;

    // Client and key are worked out once per call: for the decision and then for the row.
    let who: { client: string | null; key: string | null } | null = null;
    const attribution = () =>
      who ??= {
        client: clientFamily(start.headers.get("user-agent")),
        key: apiKeyFingerprint(start.headers, new URLSearchParams(start.query)),
      };
    let decided: Decided | null = null;

    const parseRequest = () => {
      if (request) return request;
      const body = bodyBytes === 0 ? null : concat(chunks, bodyBytes);
      chunks.length = 0;
      request = adapter.parseRequest(body, {
        path: start.path,
        query: start.query,
        headers: start.headers,
      });
      return request;
    };

    const record = (end: ExchangeEndInfo) => {
      const req = parseRequest();
      let usage: Usage = parser ? parser.finish() : emptyUsage();
      if (end.decodeError) usage = markUndecodable(usage, end.decodeError);
      const verdict = decided?.verdict ?? null;
      if (end.blocked) {
        usage = {
          ...emptyUsage(),
          errorType: "policy_blocked",
          errorMessage: verdict?.message ?? null,
        };
      } else if (end.error) {
        usage = { ...usage, errorType: usage.errorType ?? end.error.kind };
        usage.errorMessage ??= end.error.message.slice(0, 500);
        if (usage.completeness === "complete" && parser === null) {
          usage.completeness = "incomplete";
        }
      }
      const model = usage.responseModel ?? req.model;
      const cost = end.blocked ? BLOCKED_COST : priceCall({
        provider: adapter.provider,
        host: start.host,
        path: start.path,
        model,
        usage,
        startedAt: start.startedAt,
      });
      const { client, key } = attribution();
      const row: CallRecord = {
        id: newId(),
        startedAt: start.startedAt,
        endedAt: end.endedAt,
        durationMs: Math.max(0, end.endedAt - start.startedAt),
        ttfbMs: end.ttfbMs,
        provider: adapter.provider,
        host: start.host,
        method: start.method,
        path: start.path,
        endpoint: adapter.endpoint,
        requestModel: req.model ?? req.deployment ?? null,
        stream: req.stream,
        // The upstream's status; without one, what the client saw (the engine's 502), if any.
        status: status ?? end.status,
        usage,
        cost,
        project: named?.project ?? null,
        projectSource: named?.source ?? null,
        client,
        apiKeyFingerprint: key,
        providerRequestId: responseHeaders ? providerRequestId(responseHeaders) : null,
        rateLimit: responseHeaders ? rateLimitSnapshot(responseHeaders) : null,
        bytesUp: end.bytesUp,
        bytesDown: end.bytesDown,
        selfTest,
        policy: verdict === null ? null : {
          action: verdict.action,
          id: verdict.source ? `${verdict.source.kind}:${verdict.source.id}` : null,
          message: verdict.message,
        },
      };
      const write = () => {
        if (fromProcess) {
          row.project = fromProcess.project;
          row.projectSource = fromProcess.source;
        }
        deps.enqueue(row);
      };
      if (lookup === null || fromProcess !== undefined) return write();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<void>((resolve) => timer = setTimeout(resolve, waitMs));
      const done = Promise.race([lookup, late]).then(contained("record", write)).finally(() => {
        clearTimeout(timer);
        waiting.delete(done);
      });
      waiting.add(done);
    };

    const observer: ExchangeObserver = {
      onRequestBody: contained("request body", (chunk: Uint8Array) => {
        if (bodyBytes >= maxBody) return;
        const part = chunk.subarray(0, maxBody - bodyBytes);
        chunks.push(part.slice());
        bodyBytes += part.length;
      }),
      onResponseHead: contained("response head", (head: { status: number; headers: Headers }) => {
        status = head.status;
        responseHeaders = head.headers;
        parser = adapter.createResponseParser({
          status: head.status,
          headers: head.headers,
          request: parseRequest(),
        });
      }),
      onResponseBody: contained("response body", (chunk: Uint8Array) => {
        parser?.push(chunk);
      }),
      onEnd: (end: ExchangeEndInfo) => {
        try {
          // The reservation goes back before the real cost is recorded (in enqueue).
          decided?.settle();
          record(end);
        } catch (err) {
          deps.log.log("error", "meter: record failed; call forwarded unmetered", {
            error: String(err).slice(0, 300),
          });
        }
      },
    };

    const policy = deps.policy;
    if (policy?.active() && !selfTest) {
      const decide = (): Decision => {
        const req = parseRequest();
        const { client, key } = attribution();
        const facts: CallFacts = {
          provider: adapter.provider,
          host: start.host,
          endpoint: adapter.endpoint,
          model: req.model ?? req.deployment ?? null,
          project: project()?.project ?? null,
          client,
          key,
        };
        decided = policy.decide(facts);
        const v = decided.verdict;
        if (v.action === "block") {
          const r = blockResponse(adapter.endpoint, start.host, v);
          return {
            action: "block",
            status: r.status,
            reason: r.reason,
            headers: r.headers,
            body: r.body,
          };
        }
        if (v.action === "warn") {
          return {
            action: "warn",
            warning: headerSafe(v.message ?? "Halton Meter policy warning"),
          };
        }
        return { action: "allow" };
      };
      observer.decide = () => {
        // Rules and budgets that name projects need the caller's, which may still be looked
        // up (a new connection): wait for it, bounded; the row gets it either way.
        if (fromProcess !== undefined || lookup === null || !policy.usesProject?.()) {
          return decide();
        }
        let timer: ReturnType<typeof setTimeout> | undefined;
        const late = new Promise<void>((r) => timer = setTimeout(r, decisionWaitMs));
        return Promise.race([lookup, late]).then(() => {
          clearTimeout(timer);
          return decide();
        });
      };
    }
    return observer;
  };
  return Object.assign(observe, {
    settled: async () => {
      while (waiting.size > 0) await Promise.allSettled([...waiting]);
    },
  });
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}
