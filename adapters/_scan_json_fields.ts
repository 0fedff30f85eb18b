export type JsonPrimitive = string | number | boolean | null;

class Stop extends Error {}

/**
 * Reads the primitive fields of a JSON object's first `maxDepth` levels
 * (`model`, `stream`, `stream_options.include_usage`) from text that may be
 * cut anywhere, skipping arrays and deeper values without building them.
 * Used when a request body was truncated by the daemon's size cap: SDKs put
 * `model` and `stream` near the top, before the long `messages` array.
 * Returns what was read before the text ended or stopped being JSON.
 */
export function scanJsonFields(text: string, maxDepth = 2): Map<string, JsonPrimitive> {
  const out = new Map<string, JsonPrimitive>();
  let i = 0;

  const ws = (): void => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return;
      i++;
    }
  };
  const peek = (): string => {
    if (i >= text.length) throw new Stop();
    return text[i];
  };
  const readString = (): string => {
    const start = i;
    i++; // opening quote
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 92 /* \ */) i += 2;
      else if (c === 34 /* " */) {
        i++;
        const v: unknown = JSON.parse(text.slice(start, i));
        if (typeof v !== "string") throw new Stop();
        return v;
      } else i++;
    }
    throw new Stop();
  };
  const skipString = (): void => {
    i++; // opening quote
    while (i < text.length) {
      const c = text.charCodeAt(i);
      i += c === 92 /* \ */ ? 2 : 1;
      if (c === 34 /* " */) return;
    }
    throw new Stop();
  };
  // Skips one object or array (the caller saw its opening bracket).
  const skipValue = (): void => {
    let depth = 0;
    while (i < text.length) {
      const c = text[i];
      if (c === '"') {
        skipString();
        continue;
      }
      i++;
      if (c === "{" || c === "[") depth++;
      else if (c === "}" || c === "]") {
        depth--;
        if (depth === 0) return;
      }
    }
    throw new Stop();
  };
  const readLiteral = (): JsonPrimitive => {
    const start = i;
    while (i < text.length && !",}] \t\r\n".includes(text[i])) i++;
    if (i >= text.length) throw new Stop(); // a cut number is not a number
    const v: unknown = JSON.parse(text.slice(start, i));
    if (typeof v === "number" || typeof v === "boolean" || v === null) return v;
    throw new Stop();
  };
  const readObject = (prefix: string, depth: number): void => {
    i++; // {
    for (;;) {
      ws();
      if (peek() === "}") {
        i++;
        return;
      }
      if (peek() !== '"') throw new Stop();
      const key = prefix + readString();
      ws();
      if (peek() !== ":") throw new Stop();
      i++;
      ws();
      const c = peek();
      if (c === '"') out.set(key, readString());
      else if (c === "{" && depth < maxDepth) readObject(key + ".", depth + 1);
      else if (c === "{" || c === "[") skipValue();
      else out.set(key, readLiteral());
      ws();
      const next = peek();
      i++;
      if (next === "}") return;
      if (next !== ",") throw new Stop();
    }
  };

  try {
    ws();
    if (peek() === "{") readObject("", 1);
  } catch {
    // Truncated or not JSON: keep what was read.
  }
  return out;
}
