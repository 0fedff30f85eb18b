import { emptyUsage, type Usage } from "../core/mod.ts";
import { createJsonArrayScanner, type JsonArrayScanner } from "./_json_array_scanner.ts";
import { parseJson } from "./_json.ts";
import { createSseParser, type SseEvent, type SseParser } from "./sse_parser.ts";
import type { ResponseContext, ResponseParser } from "./types.ts";

/** What a family's parser reacts to; the driver owns framing, caps and error containment. */
export interface BodyHandler {
  /** Each event of a `text/event-stream` body. */
  onEvent(event: SseEvent): void;
  /** A whole JSON body, or each element of a top-level array when `jsonArrayElements` is set. */
  onJson(value: unknown): void;
  finish(end: BodyEnd): Usage;
}

export interface BodyEnd {
  mode: "sse" | "json" | "json_array" | "ignored" | "empty";
  /** Why (part of) the body could not be read, or null. */
  problem: string | null;
}

export interface DriverOptions {
  /** Hand top-level JSON array elements to `onJson` one by one (Gemini's array stream). */
  jsonArrayElements?: boolean;
  /** Cap for a buffered JSON body and for one SSE line/event. Default 8 MiB. */
  maxBytes?: number;
}

export const MAX_BODY_BYTES = 8 * 1024 * 1024;

// Bytes before the first meaningful one are held until the body kind is known;
// past this much leading whitespace the body is not something we parse.
const MAX_SNIFF = 4096;

type Mode = "undecided" | "sse" | "json" | "json_array" | "ignored";

function modeFromHead(contentType: string, first: number): Mode {
  if (contentType.includes("event-stream")) return "sse";
  if (first === 0x7b /* { */) return "json";
  if (first === 0x5b /* [ */) return "json_array";
  if (contentType.includes("json")) return "json";
  // `data:`, `event:`, `id:`, `retry:`, `:` comment, or a UTF-8 BOM.
  if ([0x64, 0x65, 0x69, 0x72, 0x3a, 0xef].includes(first)) return "sse";
  return "ignored";
}

/**
 * Turns a `BodyHandler` into a `ResponseParser`: decides SSE vs JSON from the
 * content type (or the first byte), buffers JSON up to the cap, frames SSE
 * incrementally, and contains every exception so that push/finish never throw.
 */
export function createResponseDriver(
  ctx: ResponseContext,
  handler: BodyHandler,
  options: DriverOptions = {},
): ResponseParser {
  const maxBytes = options.maxBytes ?? MAX_BODY_BYTES;
  const contentType = (ctx.headers.get("content-type") ?? "").toLowerCase();
  let mode: Mode = "undecided";
  let held: Uint8Array[] = [];
  let heldBytes = 0;
  let sawBytes = false;
  let problem: string | null = null;
  let failure: string | null = null;
  let result: Usage | null = null;

  let sse: SseParser | null = null;
  let arrayScanner: JsonArrayScanner | null = null;
  let arrayDecoder: TextDecoder | null = null;
  const jsonChunks: Uint8Array[] = [];
  let jsonBytes = 0;
  let jsonOverflow = false;

  function start(first: number): void {
    mode = modeFromHead(contentType, first);
    if (mode === "json_array" && options.jsonArrayElements !== true) mode = "json";
    if (mode === "sse") {
      sse = createSseParser((event) => {
        if (event.oversized) problem = `an SSE event exceeded ${maxBytes} characters`;
        handler.onEvent(event);
      }, { maxLineLength: maxBytes, dispatchAtEnd: true });
    } else if (mode === "json_array") {
      arrayDecoder = new TextDecoder();
      arrayScanner = createJsonArrayScanner((text) => {
        const parsed = parseJson(text);
        if (parsed.ok) handler.onJson(parsed.value);
        else problem = `a JSON array element did not parse: ${parsed.message}`;
      }, maxBytes);
    }
  }

  function feed(bytes: Uint8Array): void {
    if (mode === "sse") sse?.push(bytes);
    else if (mode === "json_array") {
      arrayScanner?.pushText(arrayDecoder?.decode(bytes, { stream: true }) ?? "");
    } else if (mode === "json") {
      if (jsonOverflow) return;
      if (jsonBytes + bytes.length > maxBytes) {
        jsonOverflow = true;
        jsonChunks.length = 0;
        return;
      }
      jsonChunks.push(bytes.slice()); // the caller may reuse its buffer
      jsonBytes += bytes.length;
    }
  }

  function push(bytes: Uint8Array): void {
    if (result !== null || failure !== null || bytes.length === 0) return;
    sawBytes = true;
    if (mode !== "undecided") return feed(bytes);
    const firstIdx = bytes.findIndex((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
    if (firstIdx < 0) {
      held.push(bytes.slice());
      heldBytes += bytes.length;
      if (heldBytes > MAX_SNIFF) {
        mode = "ignored";
        held = [];
      }
      return;
    }
    start(bytes[firstIdx]);
    for (const h of held) feed(h);
    held = [];
    feed(bytes);
  }

  function endOfBody(): BodyEnd {
    if (mode === "undecided" || !sawBytes) return { mode: "empty", problem: null };
    if (mode === "sse") sse?.finish();
    if (mode === "json_array" && arrayScanner !== null) {
      arrayScanner.pushText(arrayDecoder?.decode() ?? "");
      if (arrayScanner.oversized() > 0) {
        problem ??= `a JSON array element exceeded ${maxBytes} bytes`;
      }
    }
    if (mode === "json") {
      if (jsonOverflow) {
        problem ??= `response body exceeds ${maxBytes} bytes; usage not read`;
      } else {
        const all = new Uint8Array(jsonBytes);
        let off = 0;
        for (const c of jsonChunks) {
          all.set(c, off);
          off += c.length;
        }
        jsonChunks.length = 0;
        const parsed = parseJson(new TextDecoder().decode(all));
        if (parsed.ok) handler.onJson(parsed.value);
        else problem ??= `response body is not valid JSON: ${parsed.message}`;
      }
    }
    return { mode, problem };
  }

  return {
    push(bytes: Uint8Array): void {
      try {
        push(bytes);
      } catch (err) {
        failure = err instanceof Error ? err.message : String(err);
      }
    },
    finish(): Usage {
      if (result !== null) return result;
      let usage: Usage;
      try {
        const end: BodyEnd = failure === null
          ? endOfBody()
          : { mode: mode === "undecided" ? "empty" : mode, problem };
        usage = handler.finish(end);
        if (end.problem !== null && usage.completeness !== "complete" && ctx.status < 400) {
          usage.errorType ??= "parse_error";
          usage.errorMessage ??= end.problem;
        }
        if (ctx.status >= 400 && usage.errorType === null) {
          // An error status whose body names no error (a gateway's HTML 502, an empty 503):
          // the status is all we know, and the row must still read as a failed call.
          usage.errorType = `http_${ctx.status}`;
          usage.errorMessage = `HTTP ${ctx.status} and the body (${
            contentType.split(";")[0].trim() || "no content type"
          }) carries no provider error`;
        }
      } catch (err) {
        failure ??= err instanceof Error ? err.message : String(err);
        usage = emptyUsage();
      }
      if (failure !== null) {
        usage.errorType ??= "parse_error";
        usage.errorMessage ??= `usage parser failed: ${failure}`;
        if (usage.completeness === "complete" || ctx.status < 400) {
          usage.completeness = "incomplete";
        }
      }
      result = usage;
      return usage;
    },
  };
}
