import { isObject, type JsonObject, stringAt } from "./_json.ts";

export interface ProviderError {
  type: string;
  message: string | null;
}

function fromErrorObject(e: JsonObject): ProviderError {
  const code = e["code"];
  const namedCode = typeof code === "string" && /[a-z]/i.test(code) ? code : null;
  const numericCode = typeof code === "number" || (typeof code === "string" && code !== "")
    ? String(code)
    : null;
  const type = stringAt(e, "status") ?? // Gemini: RESOURCE_EXHAUSTED beats 429
    namedCode ?? // OpenAI: rate_limit_exceeded beats type "requests"
    stringAt(e, "type") ?? // Anthropic: overloaded_error; Mistral: rate_limited beats "1300"
    numericCode ?? // OpenRouter 429, Azure "429"
    "error";
  return { type, message: stringAt(e, "message") };
}

/**
 * The error a provider body carries, in any of the shapes we meter:
 * Anthropic `{"type":"error","error":{type,message}}`, OpenAI-style
 * `{"error":{message,type,code}}`, Gemini `{"error":{code,message,status}}`,
 * Mistral `{"object":"error",...}`, Responses stream `{"type":"error",code,message}`.
 * Null when the value is not an error.
 */
export function providerError(value: unknown): ProviderError | null {
  if (!isObject(value)) return null;
  const inner = value["error"];
  if (isObject(inner)) return fromErrorObject(inner);
  if (typeof inner === "string" && inner !== "") return { type: "error", message: inner };
  if (value["type"] === "error" || value["object"] === "error") {
    const copy: JsonObject = { ...value };
    if (copy["type"] === "error") delete copy["type"];
    return fromErrorObject(copy);
  }
  return null;
}
