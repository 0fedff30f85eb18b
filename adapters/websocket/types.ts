/** Shapes shared by the WebSocket session parsers (see find_ws_session.ts). */
import type { Usage } from "../../core/mod.ts";
import type { EndpointKind } from "../types.ts";

/** The API a WebSocket session speaks. */
export type WsSessionKind = "responses" | "realtime";

export interface WsSessionInfo {
  kind: WsSessionKind;
  provider: string;
  /** The endpoint its calls are recorded under. */
  endpoint: EndpointKind;
  /** The model the URL names (Realtime `?model=`, Azure `?deployment=`); null when none. */
  model: string | null;
}

/** One model call carried by a session: a response, from its request to its last event. */
export interface WsCall {
  /** Times as given with the messages (epoch ms). */
  startedAt: number;
  /** The first server event of this response; null when none came. */
  firstEventAt: number | null;
  endedAt: number;
  /** The model the client asked for (or the session's); null when none was named. */
  model: string | null;
  usage: Usage;
  /** An error event's `status`, when it carried one; null otherwise. */
  status: number | null;
  /** The tag given with the client message that asked for it; absent when none did. */
  tag?: number;
}

/** What a client message is, for a decision before it is forwarded. */
export interface WsClientMessage {
  /** The message asks for a response (a billed model call). */
  startsCall: boolean;
  model: string | null;
  /** The client's `event_id` (Realtime), which the server's error about it names. */
  eventId: string | null;
}

/**
 * Turns a session's text messages into calls. Pure: messages in (with their time), finished
 * calls out. Never throws; a message that is not JSON is ignored.
 */
export interface WsSession {
  /** What a client message would start, without recording it. */
  peek(text: string): WsClientMessage;
  /**
   * A text message from the client; returns the calls it finished (usually none). `tag` is
   * carried to the call the message asks for (the caller's own bookkeeping).
   */
  client(text: string, at: number, tag?: number): WsCall[];
  /** A text message from the server; returns the calls it finished. */
  server(text: string, at: number): WsCall[];
  /** The session ended: every call still open ends now, incomplete, with this error. */
  end(at: number, error: { type: string; message: string }): WsCall[];
}
