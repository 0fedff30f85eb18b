import { isObject } from "./_json.ts";
import { scanJsonFields } from "./_scan_json_fields.ts";

/** Dotted-path access to a request body's top-level fields (`stream_options.include_usage`). */
export interface RequestFields {
  get(path: string): unknown;
  /** The body did not parse whole; fields come from a tolerant scan. */
  partial: boolean;
}

/**
 * Never throws. An empty body has no fields; a body that is not valid JSON
 * (cut by the caller's size cap) is scanned tolerantly for what precedes the cut.
 */
export function readRequestFields(body: Uint8Array | null): RequestFields {
  if (body === null || body.length === 0) return { get: () => undefined, partial: false };
  let text: string;
  try {
    text = new TextDecoder().decode(body);
  } catch {
    return { get: () => undefined, partial: true };
  }
  try {
    const root: unknown = JSON.parse(text);
    return {
      partial: false,
      get(path: string): unknown {
        let v: unknown = root;
        for (const key of path.split(".")) {
          if (!isObject(v)) return undefined;
          v = v[key];
        }
        return v;
      },
    };
  } catch {
    const scanned = scanJsonFields(text);
    return { partial: true, get: (path: string) => scanned.get(path) };
  }
}

/** The common shape: `model` and `stream` from the body. */
export function modelAndStream(
  fields: RequestFields,
): { model: string | null; stream: boolean; partial?: boolean } {
  const model = fields.get("model");
  return {
    model: typeof model === "string" && model !== "" ? model : null,
    stream: fields.get("stream") === true,
    ...(fields.partial ? { partial: true } : {}),
  };
}
