// Type guards for provider JSON: everything from the wire is `unknown` until
// narrowed here, and a field of the wrong type reads as "not reported" (null).

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The object at `value[key]`, or null. */
export function objAt(value: unknown, key: string): JsonObject | null {
  if (!isObject(value)) return null;
  const v = value[key];
  return isObject(v) ? v : null;
}

/** A finite, non-negative count at `value[key]`, or null. */
export function countAt(value: unknown, key: string): number | null {
  if (!isObject(value)) return null;
  const v = value[key];
  return typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : null;
}

/** A finite number (cost may be fractional) at `value[key]`, or null. */
export function numberAt(value: unknown, key: string): number | null {
  if (!isObject(value)) return null;
  const v = value[key];
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/** A non-empty string at `value[key]`, or null. */
export function stringAt(value: unknown, key: string): string | null {
  if (!isObject(value)) return null;
  const v = value[key];
  return typeof v === "string" && v !== "" ? v : null;
}

/** Sum of counts where a missing part counts as 0 but a missing base makes the total unknown. */
export function sumCounts(base: number | null, ...parts: (number | null)[]): number | null {
  if (base === null) return null;
  let total = base;
  for (const p of parts) total += p ?? 0;
  return total;
}

export type JsonParse = { ok: true; value: unknown } | { ok: false; message: string };

export function parseJson(text: string): JsonParse {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
}
