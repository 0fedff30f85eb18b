/** One dispatched server-sent event. */
export interface SseEvent {
  /** The `event:` field, or `message` when the event named none. */
  type: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
  lastEventId: string;
  /**
   * A line of this event exceeded `maxLineLength` (or its data exceeded it in
   * total) and was dropped: `data` is missing a part and should not be trusted.
   */
  oversized: boolean;
}

export interface SseParserOptions {
  /** Longest line (and joined data) kept, in UTF-16 units. Default 8 MiB. */
  maxLineLength?: number;
  /**
   * At `finish()`, process an unterminated last line and dispatch an event that
   * lacks its closing blank line. The WHATWG rules discard both; a meter reading
   * a stream cut right after its usage line would rather keep it.
   */
  dispatchAtEnd?: boolean;
}

export interface SseParser {
  /** Raw UTF-8 bytes, split anywhere (even inside a character or a line). */
  push(bytes: Uint8Array): void;
  /** Already decoded text, split anywhere. */
  pushText(text: string): void;
  /** End of stream. Events are delivered synchronously from push/finish. */
  finish(): void;
}

const DEFAULT_MAX_LINE = 8 * 1024 * 1024;
const LF = 10;
const CR = 13;

/**
 * An incremental `text/event-stream` parser following the WHATWG HTML
 * "event stream interpretation" rules: LF, CR and CRLF line endings (a CRLF
 * split across chunks counts once), one leading BOM stripped, `:` comments,
 * one optional space after the colon, multi-line `data:` joined with `\n`,
 * events without data not dispatched, unknown fields ignored.
 *
 * Memory stays bounded: only the current unterminated line and the current
 * event's fields are kept, each capped at `maxLineLength`.
 */
export function createSseParser(
  onEvent: (event: SseEvent) => void,
  options: SseParserOptions = {},
): SseParser {
  const maxLine = options.maxLineLength ?? DEFAULT_MAX_LINE;
  // ignoreBOM keeps the BOM in the text so that exactly one is stripped below,
  // whether the caller pushes bytes or text.
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  let started = false;
  let finished = false;
  let buf = "";
  let scanFrom = 0;
  let skipLf = false; // the previous chunk ended in CR: a leading LF belongs to it
  let discardingLine = false; // the current line overflowed: drop it up to its end

  let eventType = "";
  let data = "";
  let hasData = false;
  let lastEventId = "";
  let oversized = false;

  function dispatch(): void {
    if (!hasData && !oversized) {
      eventType = "";
      return;
    }
    const event: SseEvent = {
      type: eventType === "" ? "message" : eventType,
      data: hasData ? data.slice(0, -1) : "",
      lastEventId,
      oversized,
    };
    eventType = "";
    data = "";
    hasData = false;
    oversized = false;
    onEvent(event);
  }

  function processLine(line: string): void {
    if (line === "") return dispatch();
    if (line.charCodeAt(0) === 58 /* : */) return; // comment
    const colon = line.indexOf(":");
    let field = line;
    let value = "";
    if (colon >= 0) {
      field = line.slice(0, colon);
      value = line.slice(colon + 1);
      if (value.charCodeAt(0) === 32) value = value.slice(1);
    }
    switch (field) {
      case "event":
        eventType = value;
        break;
      case "data":
        if (data.length + value.length + 1 > maxLine) {
          oversized = true;
        } else {
          data += value + "\n";
          hasData = true;
        }
        break;
      case "id":
        if (!value.includes("\0")) lastEventId = value;
        break;
      default:
        break; // `retry` and unknown fields do not matter to a meter
    }
  }

  function endLine(line: string): void {
    if (discardingLine) {
      discardingLine = false;
      oversized = true;
      return;
    }
    processLine(line);
  }

  function pushText(input: string): void {
    if (finished || input.length === 0) return;
    let text = input;
    if (!started) {
      started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (skipLf && text.length > 0) {
      skipLf = false;
      if (text.charCodeAt(0) === LF) text = text.slice(1);
    }
    buf += text;
    let start = 0;
    for (let i = scanFrom; i < buf.length; i++) {
      const c = buf.charCodeAt(i);
      if (c !== LF && c !== CR) continue;
      endLine(buf.slice(start, i));
      if (c === CR) {
        if (i + 1 < buf.length) {
          if (buf.charCodeAt(i + 1) === LF) i++;
        } else {
          skipLf = true;
        }
      }
      start = i + 1;
    }
    buf = start === 0 ? buf : buf.slice(start);
    scanFrom = buf.length;
    if (buf.length > maxLine) {
      buf = "";
      scanFrom = 0;
      discardingLine = true;
    }
  }

  return {
    push(bytes: Uint8Array): void {
      if (finished) return;
      pushText(decoder.decode(bytes, { stream: true }));
    },
    pushText,
    finish(): void {
      if (finished) return;
      pushText(decoder.decode());
      finished = true;
      if (options.dispatchAtEnd !== true) return;
      if (buf !== "" || discardingLine) endLine(buf);
      buf = "";
      dispatch();
    },
  };
}
