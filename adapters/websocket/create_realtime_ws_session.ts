/**
 * OpenAI Realtime API over WebSocket (`wss://api.openai.com/v1/realtime?model=...`). A response
 * starts with the server's `response.created` (asked for by a client `response.create`, or by
 * the server itself when voice activity detection ends a user turn) and ends with
 * `response.done`, whose `response.usage` counts text, audio and image tokens (cached ones
 * too). Responses are told apart by id, so several may be open at once. The model is the
 * URL's, or the one the server names in `session.created` / `session.updated`.
 */
import { emptyUsage, type Usage } from "../../core/mod.ts";
import { countAt, type JsonObject, objAt, stringAt } from "../_json.ts";
import { providerError } from "../_provider_error.ts";
import type { WsCall, WsClientMessage, WsSession } from "./types.ts";
import { createClientParser, parseObject } from "./_parse_message.ts";

interface Open {
  startedAt: number;
  firstEventAt: number;
  model: string | null;
  tag?: number;
}

interface Asked {
  at: number;
  eventId: string | null;
  tag?: number;
}

/** A call for a response that starts now, asked for by `asked` (or by the server itself). */
function opened(asked: Asked | undefined, at: number, model: string | null): Open {
  const o: Open = { startedAt: asked?.at ?? at, firstEventAt: at, model };
  if (asked?.tag !== undefined) o.tag = asked.tag;
  return o;
}

/** `response.usage` of a `response.done`, in our convention (totals with parts). */
export function realtimeUsage(response: JsonObject | null): Usage {
  const out = emptyUsage();
  out.responseId = stringAt(response, "id");
  const status = stringAt(response, "status");
  const details = objAt(response, "status_details");
  const err = objAt(details, "error");
  if (err !== null) {
    out.errorType = stringAt(err, "code") ?? stringAt(err, "type") ?? "error";
    out.errorMessage = stringAt(err, "message");
  } else if (status === "failed") {
    out.errorType = stringAt(details, "reason") ?? "response_failed";
  }
  const usage = objAt(response, "usage");
  if (usage === null) {
    out.completeness = "incomplete";
    return out;
  }
  const input = objAt(usage, "input_token_details");
  const cached = objAt(input, "cached_tokens_details");
  const output = objAt(usage, "output_token_details");
  out.inputTokens = countAt(usage, "input_tokens");
  out.outputTokens = countAt(usage, "output_tokens");
  out.cacheReadTokens = countAt(input, "cached_tokens");
  out.completeness = "complete";
  const media = {
    inputAudio: countAt(input, "audio_tokens"),
    inputImage: countAt(input, "image_tokens"),
    cacheReadAudio: countAt(cached, "audio_tokens"),
    cacheReadImage: countAt(cached, "image_tokens"),
    outputAudio: countAt(output, "audio_tokens"),
  };
  if (Object.values(media).some((v) => v !== null)) out.media = media;
  return out;
}

export function createRealtimeWsSession(urlModel: string | null): WsSession {
  let model = urlModel;
  const asked: Asked[] = [];
  const open = new Map<string, Open>();

  const parser = createClientParser();
  const ask = (m: JsonObject | null): WsClientMessage => {
    if (m === null || m["type"] !== "response.create") {
      return { startsCall: false, model: null, eventId: null };
    }
    return { startsCall: true, model, eventId: stringAt(m, "event_id") };
  };

  return {
    peek: (text) => ask(parser.peek(text)),
    client(text, at, tag) {
      const m = parser.take(text);
      if (m !== null && m["type"] === "response.create") {
        asked.push({ at, eventId: stringAt(m, "event_id"), tag });
      }
      return [];
    },
    server(text, at) {
      const event = parseObject(text);
      const type = event && stringAt(event, "type");
      if (event === null || type === null) return [];
      if (type === "session.created" || type === "session.updated") {
        model = stringAt(objAt(event, "session"), "model") ?? model;
        return [];
      }
      if (type === "response.created") {
        const id = stringAt(objAt(event, "response"), "id");
        if (id !== null && !open.has(id)) open.set(id, opened(asked.shift(), at, model));
        return [];
      }
      if (type === "response.done") {
        const response = objAt(event, "response");
        const id = stringAt(response, "id") ?? "";
        const call = open.get(id) ??
          { startedAt: asked.shift()?.at ?? at, firstEventAt: at, model };
        open.delete(id);
        const usage = realtimeUsage(response);
        usage.responseModel = model;
        return [{ ...call, endedAt: at, usage, status: null }];
      }
      if (type === "error") {
        // An error about a client's response.create: that request ends here, unanswered.
        const about = stringAt(objAt(event, "error"), "event_id");
        const i = about === null ? -1 : asked.findIndex((a) => a.eventId === about);
        if (i < 0) return [];
        const [a] = asked.splice(i, 1);
        const usage = emptyUsage();
        const err = providerError(event);
        usage.errorType = err?.type ?? "error";
        usage.errorMessage = err?.message ?? null;
        return [{ ...opened(a, at, model), endedAt: at, usage, status: null }];
      }
      return [];
    },
    end(at, error) {
      const done: WsCall[] = [];
      for (const [id, call] of open) {
        const usage = emptyUsage();
        usage.responseId = id;
        usage.responseModel = model;
        usage.completeness = "incomplete";
        usage.errorType = error.type;
        usage.errorMessage = error.message;
        done.push({ ...call, endedAt: at, usage, status: null });
      }
      open.clear();
      for (const a of asked.splice(0)) {
        const usage = emptyUsage();
        usage.completeness = "incomplete";
        usage.errorType = error.type;
        usage.errorMessage = error.message;
        done.push({
          ...opened(a, at, model),
          firstEventAt: null,
          endedAt: at,
          usage,
          status: null,
        });
      }
      return done;
    },
  };
}
