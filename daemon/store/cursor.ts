/** Position after which the next page starts (keyset over `started_at DESC, id DESC`). */
export interface CallCursor {
  startedAt: number;
  id: string;
}

function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): string | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
    const bytes = Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** Opaque to clients: base64url of `[started_at, id]`. */
export function encodeCursor(cursor: CallCursor): string {
  return toBase64Url(JSON.stringify([cursor.startedAt, cursor.id]));
}

/** Null when `text` is not a cursor this store produced. */
export function decodeCursor(text: string): CallCursor | null {
  const json = fromBase64Url(text);
  if (json === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return null;
  }
  if (
    !Array.isArray(parsed) || parsed.length !== 2 || typeof parsed[0] !== "number" ||
    !Number.isFinite(parsed[0]) || typeof parsed[1] !== "string"
  ) {
    return null;
  }
  return { startedAt: parsed[0], id: parsed[1] };
}
