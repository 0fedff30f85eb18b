/**
 * The calls of one WebSocket session (see create_meter.ts): the session's messages go through
 * the API's session parser (adapters/websocket), and each response it finishes becomes a row.
 * With a policy, each client message that asks for a response is decided before it is
 * forwarded; a blocked one is recorded as blocked and answered with an error event, and the
 * session is closed.
 */
import {
  createWsSession,
  type WsCall,
  type WsSession,
  type WsSessionInfo,
} from "../../adapters/mod.ts";
import { type CallPolicy, type CallRecord, emptyUsage } from "../../core/mod.ts";
import type { ExchangeEndInfo, WsDecision, WsMessageInfo } from "../mitm/mod.ts";
import {
  BLOCK_CLOSE_CODE,
  blockEvent,
  blockStatus,
  type Decided,
  type Verdict,
} from "../policy/mod.ts";
import { priceCall } from "../pricing/mod.ts";

export interface WsMeterContext {
  info: WsSessionInfo;
  host: string;
  /** Records one call of the session; `decided` is the decision it was forwarded under. */
  record(call: WsCall, decided: Decided | null, blocked: boolean): void;
  /** Decides a call before it is forwarded (with the model it asks for); absent without a policy. */
  decide?: (model: string | null) => Decided | Promise<Decided>;
  /** The client family (its block status depends on it). */
  client(): string | null;
  /** Epoch ms now. */
  now(): number;
}

export interface WsMeter {
  onMessage(m: WsMessageInfo): void;
  decideMessage(m: WsMessageInfo): WsDecision | Promise<WsDecision>;
  /** The session ended: calls still open are recorded incomplete; returns nothing owed. */
  end(e: ExchangeEndInfo): void;
}

const ALLOW: WsDecision = { action: "allow" };

/** Why responses still open at the end of a session did not finish. */
function endError(e: ExchangeEndInfo): { type: string; message: string } {
  if (e.error) return { type: e.error.kind, message: e.error.message.slice(0, 500) };
  if (e.session?.closedBy === "client") {
    return {
      type: "client_aborted",
      message: "the client closed the WebSocket session before the response ended",
    };
  }
  return {
    type: "session_closed",
    message: "the server closed the WebSocket session before the response ended",
  };
}

export function createWsMeter(ctx: WsMeterContext): WsMeter {
  const session: WsSession = createWsSession(ctx.info);
  /** Decisions of forwarded requests, by the tag their call carries. */
  const decided = new Map<number, Decided>();
  const tags = new WeakMap<WsMessageInfo, number>();
  let nextTag = 1;
  let over = false;

  const record = (calls: WsCall[]) => {
    for (const c of calls) {
      const d = c.tag === undefined ? null : decided.get(c.tag) ?? null;
      if (c.tag !== undefined) decided.delete(c.tag);
      d?.settle();
      ctx.record(c, d, false);
    }
  };

  return {
    onMessage(m) {
      if (over) return;
      if (m.fatal) {
        // This direction can no longer be read: what is open cannot finish.
        over = true;
        const error = `WebSocket ${m.from} stream unreadable: ${m.error}`;
        record(session.end(m.at, { type: "parse_error", message: error }));
        return;
      }
      if (m.text === null) return;
      record(
        m.from === "client"
          ? session.client(m.text, m.at, tags.get(m))
          : session.server(m.text, m.at),
      );
    },
    async decideMessage(m) {
      if (!ctx.decide || m.from !== "client" || m.text === null) return ALLOW;
      const asks = session.peek(m.text);
      if (!asks.startsCall) return ALLOW;
      const d = await ctx.decide(asks.model);
      const v = d.verdict;
      if (v.action !== "block") {
        const tag = nextTag++;
        decided.set(tag, d);
        tags.set(m, tag);
        return ALLOW;
      }
      d.settle();
      const usage = { ...emptyUsage(), errorType: "policy_blocked", errorMessage: v.message };
      const at = ctx.now();
      const { status } = blockStatus(ctx.client());
      ctx.record(
        {
          startedAt: m.at,
          firstEventAt: at,
          endedAt: at,
          model: asks.model,
          usage,
          status,
        },
        d,
        true,
      );
      return {
        action: "block",
        messages: [blockEvent(ctx.info.endpoint, ctx.host, v, asks.eventId, ctx.client())],
        close: { code: BLOCK_CLOSE_CODE, reason: "Halton Meter policy" },
      };
    },
    end(e) {
      if (!over) record(session.end(e.endedAt, endError(e)));
      over = true;
      for (const d of decided.values()) d.settle();
      decided.clear();
    },
  };
}

/** A decision as the row records it. */
export function callPolicy(verdict: Verdict | null): CallPolicy | null {
  if (verdict === null) return null;
  return {
    action: verdict.action,
    id: verdict.source ? `${verdict.source.kind}:${verdict.source.id}` : null,
    message: verdict.message,
  };
}

export interface WsCallRowInput {
  id: string;
  info: WsSessionInfo;
  call: WsCall;
  host: string;
  path: string;
  /** The upgrade's status (101), or null. */
  sessionStatus: number | null;
  project: { project: string; source: string } | null;
  client: string | null;
  key: string | null;
  providerRequestId: string | null;
  selfTest: boolean;
  verdict: Verdict | null;
  blocked: boolean;
}

/** A zero cost for a call policy blocked: it never reached the provider. */
export const BLOCKED_COST = {
  totalUsd: 0,
  inputUsd: 0,
  cacheReadUsd: 0,
  cacheWriteUsd: 0,
  outputUsd: 0,
  unpricedReason: null,
  priceVersion: null,
};

/**
 * One response of a WebSocket session as a row: method `WS`, `stream` true, its own times
 * (start: the client's request; first byte: the response's first event). The session's bytes
 * are on the upgrade's row, so a response's are 0.
 */
export function wsCallRow(r: WsCallRowInput): CallRecord {
  const { call, info } = r;
  return {
    id: r.id,
    startedAt: call.startedAt,
    endedAt: call.endedAt,
    durationMs: Math.max(0, call.endedAt - call.startedAt),
    ttfbMs: call.firstEventAt === null ? null : Math.max(0, call.firstEventAt - call.startedAt),
    provider: info.provider,
    host: r.host,
    method: "WS",
    path: r.path,
    endpoint: info.endpoint,
    requestModel: call.model,
    stream: true,
    // An error event's own status; else the 101 of the session that carried the call.
    status: call.status ?? r.sessionStatus,
    usage: call.usage,
    cost: r.blocked ? BLOCKED_COST : priceCall({
      provider: info.provider,
      host: r.host,
      path: r.path,
      model: call.usage.responseModel ?? call.model,
      usage: call.usage,
      startedAt: call.startedAt,
    }),
    project: r.project?.project ?? null,
    projectSource: r.project?.source ?? null,
    client: r.client,
    apiKeyFingerprint: r.key,
    providerRequestId: r.providerRequestId,
    rateLimit: null,
    bytesUp: 0,
    bytesDown: 0,
    selfTest: r.selfTest,
    policy: callPolicy(r.verdict),
  };
}
