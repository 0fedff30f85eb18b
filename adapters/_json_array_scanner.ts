export interface JsonArrayScanner {
  pushText(text: string): void;
  /** Whether the closing `]` of the top-level array was seen. */
  closed(): boolean;
  /** Elements dropped because they exceeded the size cap. */
  oversized(): number;
}

/**
 * Splits a top-level JSON array arriving piecewise (Gemini's
 * `streamGenerateContent` without `alt=sse`) into its element texts, keeping
 * only the element in progress. Elements longer than `maxElement` UTF-16 units
 * are dropped and counted. It does not validate JSON; the caller parses each element.
 */
export function createJsonArrayScanner(
  onElement: (text: string) => void,
  maxElement: number,
): JsonArrayScanner {
  let opened = false;
  let isClosed = false;
  let depth = 0; // nesting inside the current element
  let inString = false;
  let escaped = false;
  let current = "";
  let inElement = false;
  let dropping = false;
  let dropped = 0;

  function append(piece: string): void {
    if (dropping) return;
    if (current.length + piece.length > maxElement) {
      dropping = true;
      current = "";
      return;
    }
    current += piece;
  }

  function endElement(): void {
    if (dropping) dropped++;
    else if (current.trim() !== "") onElement(current);
    current = "";
    dropping = false;
    inElement = false;
  }

  function pushText(text: string): void {
    let start = inElement ? 0 : -1; // where the current element text starts in this chunk
    for (let i = 0; i < text.length && !isClosed; i++) {
      const c = text[i];
      if (!opened) {
        if (c === "[") opened = true;
        continue;
      }
      if (inString) {
        if (escaped) escaped = false;
        else if (c === "\\") escaped = true;
        else if (c === '"') inString = false;
        continue;
      }
      if (depth === 0) {
        if (c === "," || c === "]") {
          if (inElement) {
            if (start >= 0) append(text.slice(start, i));
            start = -1;
            endElement();
          }
          if (c === "]") isClosed = true;
          continue;
        }
        if (!inElement) {
          if (c === " " || c === "\n" || c === "\r" || c === "\t") continue;
          inElement = true;
          start = i;
        }
      }
      if (c === '"') inString = true;
      else if (c === "{" || c === "[") depth++;
      else if (c === "}" || c === "]") depth = Math.max(0, depth - 1);
    }
    if (inElement && start >= 0) append(text.slice(start));
  }

  return { pushText, closed: () => isClosed, oversized: () => dropped };
}
