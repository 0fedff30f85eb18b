/**
 * OpenAI Responses API in WebSocket mode (`wss://api.openai.com/v1/responses`): each client
 * `response.create` asks for one response; the server streams that response's events (the
 * same as the SSE stream's, one per message) and ends it with `response.completed`,
 * `response.incomplete` or `response.failed`, whose `response.usage` is the call's usage.
 * Responses run one at a time per connection, so the server's events belong to the oldest
 * request still open. A request the server refuses gets an `error` event instead of a
 * `response.created` (Codex's servers add the HTTP `status` to it).
 */
import { type JsonObject, numberAt, objAt, stringAt } from "../_json.ts";
import {
  createResponsesEventReader,
  type ResponsesEventReader,
} from "../openai_responses_parser.ts";
import type { WsCall, WsClientMessage, WsSession } from "./types.ts";
import { createClientParser, parseObject } from "./_parse_message.ts";

const TERMINAL = new Set(["response.completed", "response.incomplete", "response.failed"]);

interface Open {
  tag?: number;
  startedAt: number;
  firstEventAt: number | null;
  model: string | null;
  reader: ResponsesEventReader;
  /** The id its `response.created` gave; null before. */
  responseId: string | null;
  status: number | null;
}

export function createResponsesWsSession(): WsSession {
  const open: Open[] = [];

  const finish = (call: Open, at: number, status: number): WsCall => {
    const done: WsCall = {
      startedAt: call.startedAt,
      firstEventAt: call.firstEventAt,
      endedAt: at,
      model: call.model,
      usage: call.reader.finish(status),
      status: call.status,
    };
    if (call.tag !== undefined) done.tag = call.tag;
    return done;
  };

  const parser = createClientParser();
  /** What a client message asks for; `take` when the session records it (parsed once). */
  const ask = (m: JsonObject | null): WsClientMessage => {
    if (m === null || m["type"] !== "response.create") {
      return { startsCall: false, model: null, eventId: null };
    }
    return { startsCall: true, model: stringAt(m, "model"), eventId: stringAt(m, "event_id") };
  };

  return {
    peek: (text) => ask(parser.peek(text)),
    client(text, at, tag) {
      const p = ask(parser.take(text));
      if (p.startsCall) {
        open.push({
          tag,
          startedAt: at,
          firstEventAt: null,
          model: p.model,
          reader: createResponsesEventReader(),
          responseId: null,
          status: null,
        });
      }
      return [];
    },
    server(text, at) {
      const event = parseObject(text);
      const type = event && stringAt(event, "type");
      if (event === null || type === null) return [];
      const done: WsCall[] = [];
      if (type === "error") {
        const call = open[0];
        if (!call) return [];
        call.firstEventAt ??= at;
        call.status = numberAt(event, "status") ?? numberAt(event, "status_code");
        call.reader.event(event);
        // Refused before it started: nothing was generated, nothing more will come for it.
        if (call.responseId === null) {
          done.push(finish(open.shift() as Open, at, call.status ?? 400));
        }
        return done;
      }
      if (!type.startsWith("response.")) return [];
      if (type === "response.created") {
        const id = stringAt(objAt(event, "response"), "id");
        // A new response while the oldest open one never ended: that one is over.
        if (open[0]?.responseId != null && open[0].responseId !== id) {
          const stale = open.shift() as Open;
          stale.reader.event({
            type: "error",
            code: "response_superseded",
            message: "a new response started before this one ended",
          });
          done.push(finish(stale, at, 200));
        }
        if (open[0]) open[0].responseId = id ?? "";
      }
      const call = open[0];
      if (!call) return done;
      call.firstEventAt ??= at;
      call.reader.event(event);
      if (TERMINAL.has(type)) done.push(finish(open.shift() as Open, at, 200));
      return done;
    },
    end(at, error) {
      const done: WsCall[] = [];
      for (const call of open.splice(0)) {
        const c = finish(call, at, 200);
        c.usage.errorType ??= error.type;
        c.usage.errorMessage ??= error.message;
        done.push(c);
      }
      return done;
    },
  };
}
