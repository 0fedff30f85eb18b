/**
 * The GVariant text `gsettings get` prints and `gsettings set` reads, for the three types
 * the proxy schema uses: strings (`'none'`), integers (`8081`) and string arrays
 * (`['localhost', '::1']`, `@as []`). Strings are single-quoted unless they contain a
 * single quote, then double-quoted; a backslash escapes the next character.
 */

/** Reads one quoted string starting at `i`; returns it and the index after it. */
function readString(text: string, i: number): { value: string; next: number } | null {
  const quote = text[i];
  if (quote !== "'" && quote !== '"') return null;
  let value = "";
  for (let j = i + 1; j < text.length; j++) {
    const c = text[j];
    if (c === "\\") {
      const n = text[++j];
      if (n === undefined) return null;
      value += n === "n" ? "\n" : n === "t" ? "\t" : n;
    } else if (c === quote) {
      return { value, next: j + 1 };
    } else {
      value += c;
    }
  }
  return null;
}

export function parseGString(text: string): string | null {
  const t = text.trim();
  const r = readString(t, 0);
  return r !== null && r.next === t.length ? r.value : null;
}

export function parseGStringArray(text: string): string[] | null {
  let t = text.trim();
  if (t.startsWith("@as ")) t = t.slice(4).trim();
  if (!t.startsWith("[") || !t.endsWith("]")) return null;
  const out: string[] = [];
  let i = 1;
  const skip = () => {
    while (t[i] === " ") i++;
  };
  skip();
  if (t[i] === "]") return i === t.length - 1 ? out : null;
  for (;;) {
    skip();
    const r = readString(t, i);
    if (r === null) return null;
    out.push(r.value);
    i = r.next;
    skip();
    if (t[i] === "]") return i === t.length - 1 ? out : null;
    if (t[i] !== ",") return null;
    i++;
  }
}

export function renderGString(value: string): string {
  return `'${value.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}

export function renderGStringArray(values: readonly string[]): string {
  return values.length === 0 ? "@as []" : `[${values.map(renderGString).join(", ")}]`;
}
