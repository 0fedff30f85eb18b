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
  policy?: Pick<PolicyEngine, "active" | "decide">;
}

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
 * Builds the observer factory the interception engine calls for each exchange.
 * Everything here runs beside the bytes, never in front of them: any failure is
 * logged and the call is still forwarded (and, where possible, still recorded).
 */
export function createMeter(deps: MeterDeps): (start: ExchangeStart) => ExchangeObserver {
  const maxBody = deps.maxRequestBodyBytes ?? 1024 * 1024;
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

  return (start) => {
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

    // Attribution is worked out once per call: for the decision and then for the row.
    let who:
      | { project: ReturnType<typeof projectOf>; client: string | null; key: string | null }
      | null = null;
    const attribution = () =>
      who ??= {
        project: projectOf(start),
        client: clientFamily(start.headers.get("user-agent")),
        key: apiKeyFingerprint(start.headers, new URLSearchParams(start.query)),
      };
    let decided: Decided | null = null;

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
      const { project, client, key } = attribution();
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
        project: project?.project ?? null,
        projectSource: project?.source ?? null,
        client,
        apiKeyFingerprint: key,
        providerRequestId: responseHeaders ? providerRequestId(responseHeaders) : null,
        rateLimit: responseHeaders ? rateLimitSnapshot(responseHeaders) : null,
        bytesUp: end.bytesUp,
        bytesDown: end.bytesDown,
        selfTest: start.headers.has(SELF_TEST_HEADER),
        policy: verdict === null ? null : {
          action: verdict.action,
          id: verdict.source ? `${verdict.source.kind}:${verdict.source.id}` : null,
          message: verdict.message,
        },
      };
      deps.enqueue(row);
    };

    const policy = deps.policy;
    if (policy?.active() && !start.headers.has(SELF_TEST_HEADER)) {
      observer.decide = (): Decision => {
        const req = parseRequest();
        const { project, client, key } = attribution();
        const facts: CallFacts = {
          provider: adapter.provider,
          host: start.host,
          endpoint: adapter.endpoint,
          model: req.model ?? req.deployment ?? null,
          project: project?.project ?? null,
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
    }
    return observer;
  };
}

/** The call's project: named in the proxy URL (`run --project`), else by header. */
function projectOf(start: ExchangeStart) {
  return projectFromProxyAuth(start.proxyAuthorization) ?? projectFromHeader(start.headers);
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
