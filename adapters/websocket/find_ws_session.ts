/**
 * The WebSocket API behind an upgrade request, by host and path: the Responses API's
 * WebSocket mode where the HTTP adapter sees the Responses API (`/v1/responses`), and the
 * Realtime API at any path ending `/realtime` (`/v1/realtime`, Azure `/openai/realtime`).
 * Null for any other upgrade: its bytes are forwarded, but it carries no calls we can read.
 */
import { findAdapter, normalizePath } from "../find_adapter.ts";
import { createRealtimeWsSession } from "./create_realtime_ws_session.ts";
import { createResponsesWsSession } from "./create_responses_ws_session.ts";
import type { WsSession, WsSessionInfo } from "./types.ts";

export function findWsSession(host: string, path: string, query: string): WsSessionInfo | null {
  const adapter = findAdapter(host, path);
  if (adapter.endpoint === "responses") {
    return { kind: "responses", provider: adapter.provider, endpoint: "responses", model: null };
  }
  if (normalizePath(path).endsWith("/realtime")) {
    const q = new URLSearchParams(query);
    const model = q.get("model") || q.get("deployment") || null;
    return { kind: "realtime", provider: adapter.provider, endpoint: "realtime", model };
  }
  return null;
}

export function createWsSession(info: WsSessionInfo): WsSession {
  return info.kind === "responses"
    ? createResponsesWsSession()
    : createRealtimeWsSession(info.model);
}
