/**
 * JSON text messages of a WebSocket session, parsed as objects (anything else reads as null).
 */
import { isObject, type JsonObject, parseJson } from "../_json.ts";

/** The message as a JSON object; null when it is not JSON or not an object. */
export function parseObject(text: string): JsonObject | null {
  const p = parseJson(text);
  return p.ok && isObject(p.value) ? p.value : null;
}

/**
 * Parses client messages, remembering the last one until the session reads it: with a policy,
 * the decision step peeks at a message and the session then reads the same message, and a
 * client message that starts a call carries the whole conversation (often hundreds of KB).
 * Read-only callers only: the same object is handed to both.
 */
export function createClientParser(): {
  /** Parses (or reuses the parse of the message peeked last). */
  peek(text: string): JsonObject | null;
  /** Parses (or reuses the peek) and forgets it: the message is not held afterwards. */
  take(text: string): JsonObject | null;
} {
  let lastText: string | null = null;
  let lastValue: JsonObject | null = null;
  const peek = (text: string) => {
    if (text !== lastText) {
      lastValue = parseObject(text);
      lastText = text;
    }
    return lastValue;
  };
  return {
    peek,
    take(text) {
      const value = peek(text);
      lastText = null;
      lastValue = null;
      return value;
    },
  };
}
