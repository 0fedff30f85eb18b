import {
  type Adapter,
  findAdapter,
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
import { priceCall } from "../pricing/mod.ts";
import { uuidV7 } from "./uuid_v7.ts";
import type {
  ClientConnection,
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
  /**
   * The calling process's project (the process attributor's `projectFor`), asked only when
   * neither proxy auth nor the header names one. The row waits for it, never the call.
   */
  processProject?: (connection: ClientConnection) => Promise<ProcessProject | null>;
  /** Longest a finished call's row waits for processProject; default 3000 ms. */
  processProjectWaitMs?: number;
}

/** The observer factory, and a way to wait for rows still waiting on their process project. */
export type Meter = ((start: ExchangeStart) => ExchangeObserver) & {
  /** Resolves once every finished call's row has been handed to `enqueue`. */
  settled(): Promise<void>;
};

const NOOP: ExchangeObserver = {};

/**
 * Builds the observer factory the interception engine calls for each exchange.
 * Everything here runs beside the bytes, never in front of them: any failure is
 * logged and the call is still forwarded (and, where possible, still recorded).
 */
export function createMeter(deps: MeterDeps): Meter {
  const maxBody = deps.maxRequestBodyBytes ?? 1024 * 1024;
  const waitMs = deps.processProjectWaitMs ?? 3000;
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
    if (named === null && !selfTest && deps.processProject) {
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

    return {
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
      onEnd: contained("record", (end: ExchangeEndInfo) => {
        const req = parseRequest();
        let usage: Usage = parser ? parser.finish() : emptyUsage();
        if (end.error) {
          usage = { ...usage, errorType: usage.errorType ?? end.error.kind };
          usage.errorMessage ??= end.error.message.slice(0, 500);
          if (usage.completeness === "complete" && parser === null) {
            usage.completeness = "incomplete";
          }
        }
        const model = usage.responseModel ?? req.model;
        const cost = priceCall({
          provider: adapter.provider,
          host: start.host,
          path: start.path,
          model,
          usage,
          startedAt: start.startedAt,
        });
        const project = named;
        const record: CallRecord = {
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
          client: clientFamily(start.headers.get("user-agent")),
          apiKeyFingerprint: apiKeyFingerprint(start.headers, new URLSearchParams(start.query)),
          providerRequestId: responseHeaders ? providerRequestId(responseHeaders) : null,
          rateLimit: responseHeaders ? rateLimitSnapshot(responseHeaders) : null,
          bytesUp: end.bytesUp,
          bytesDown: end.bytesDown,
          selfTest,
        };
        const write = () => {
          if (fromProcess) {
            record.project = fromProcess.project;
            record.projectSource = fromProcess.source;
          }
          deps.enqueue(record);
        };
        if (lookup === null || fromProcess !== undefined) return write();
        let timer: ReturnType<typeof setTimeout> | undefined;
        const late = new Promise<void>((resolve) => timer = setTimeout(resolve, waitMs));
        const done = Promise.race([lookup, late]).then(contained("record", write)).finally(() => {
          clearTimeout(timer);
          waiting.delete(done);
        });
        waiting.add(done);
      }),
    };
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
