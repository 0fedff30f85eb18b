/**
 * The answer to a blocked call, in the provider's own error shape so every client shows our
 * message as it shows the provider's. Status 402 with `x-should-retry: false`: measured
 * against the real clients (docs/POLICY.md), 402 is tried once by the Anthropic and OpenAI
 * SDKs (they retry 408, 409, 429 and 5xx unless `x-should-retry` says otherwise) and by Claude
 * Code, which retries some 400s and words a 403 as "Failed to authenticate". Codex CLI is the
 * exception: it retries a 402 (five times over WebSocket, then five over HTTPS: 13 attempts in
 * ~12 s) and ignores `x-should-retry`, but shows a 400 once and stops; it gets 400.
 */
import type { Verdict } from "./types.ts";

export const BLOCK_STATUS = 402;

/** The status a client family is blocked with (see the file's comment). */
export function blockStatus(client: string | null): { status: number; reason: string } {
  return client === "codex-cli"
    ? { status: 400, reason: "Bad Request" }
    : { status: BLOCK_STATUS, reason: "Payment Required" };
}

export interface BlockResponse {
  status: number;
  reason: string;
  headers: [string, string][];
  body: Uint8Array;
}

type Shape = "anthropic" | "gemini" | "openai";

function shapeFor(endpoint: string, host: string): Shape {
  if (endpoint === "messages" || endpoint === "count_tokens") return "anthropic";
  if (endpoint === "generate_content") return "gemini";
  if (endpoint === "chat_completions" || endpoint === "responses") return "openai";
  if (host === "api.anthropic.com") return "anthropic";
  if (host.endsWith("googleapis.com")) return "gemini";
  return "openai";
}

/** Header values must be one line of visible ASCII: anything else becomes `?`. */
export function headerSafe(text: string, max = 1000): string {
  const clean = text.replace(/[\r\n]+/g, " ").replace(/[^\x20-\x7e]/g, "?");
  return clean.length > max ? `${clean.slice(0, max - 3)}...` : clean;
}

export function blockResponse(
  endpoint: string,
  host: string,
  verdict: Verdict,
  client: string | null = null,
): BlockResponse {
  const message = verdict.message ?? "Halton Meter policy blocked this call.";
  const code = verdict.source?.kind === "budget"
    ? "budget_exceeded"
    : verdict.source?.kind === "quota"
    ? "quota_limit"
    : "policy_blocked";
  let body: unknown;
  switch (shapeFor(endpoint, host)) {
    case "anthropic":
      body = { type: "error", error: { type: "billing_error", message } };
      break;
    case "gemini":
      body = { error: { code: BLOCK_STATUS, message, status: "PERMISSION_DENIED" } };
      break;
    default:
      body = { error: { message, type: "halton_meter_policy", param: null, code } };
  }
  const headers: [string, string][] = [
    ["content-type", "application/json"],
    ["x-should-retry", "false"],
    ["x-halton-meter-policy", "block"],
  ];
  if (verdict.source) {
    headers.push([
      "x-halton-meter-policy-id",
      headerSafe(`${verdict.source.kind}:${verdict.source.id}`),
    ]);
  }
  return {
    ...blockStatus(client),
    headers,
    body: new TextEncoder().encode(JSON.stringify(body)),
  };
}

/** WebSocket close code for a session ended by a block (RFC 6455 §7.4.1: policy violation). */
export const BLOCK_CLOSE_CODE = 1008;

/**
 * The `error` event a blocked WebSocket request gets (OpenAI Responses WebSocket mode and
 * Realtime) before the session is closed. One event readable in every shape a client may
 * expect: the HTTP-like `status` and nested `error` of the Responses WebSocket's errors (what
 * Codex reads), the Realtime `error` object (with the refused client event's `event_id`), and
 * the streamed Responses error's top-level `code`/`message`/`param`.
 */
export function blockEvent(
  endpoint: string,
  host: string,
  verdict: Verdict,
  eventId: string | null,
  client: string | null = null,
): string {
  const r = blockResponse(endpoint, host, verdict, client);
  const parsed: unknown = JSON.parse(new TextDecoder().decode(r.body));
  const inner = typeof parsed === "object" && parsed !== null && "error" in parsed
    ? (parsed as { error: Record<string, unknown> }).error
    : {};
  return JSON.stringify({
    type: "error",
    status: r.status,
    code: inner["code"] ?? null,
    message: inner["message"] ?? null,
    param: null,
    error: { ...inner, event_id: eventId },
  });
}
