/**
 * One OTLP/HTTP request (docs/EXPORT.md): POST the body, and say whether it was accepted, or when
 * to try again. The specification's retryable answers (429, 502, 503, 504, network errors,
 * timeouts) honour `Retry-After`; other refusals (a wrong token: 401/403, 400, 413) are retried
 * too, more slowly, because skipping the batch would lose calls: `status` and `doctor` show them.
 */
import type { OtlpBody } from "./encode_otlp.ts";
import type { OtlpTarget } from "./otlp_settings.ts";

export type SendResult =
  | { kind: "ok"; status: number }
  | { kind: "retry"; message: string; retryAfterMs: number | null; tooLarge: boolean };

export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

const RETRYABLE = new Set([429, 502, 503, 504]);

/** `Retry-After` as ms: seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | null {
  if (header === null) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}

/** The URL without credentials, for logs and status. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    return u.toString();
  } catch {
    return url;
  }
}

export async function sendOtlp(
  fetchFn: Fetch,
  target: OtlpTarget,
  body: OtlpBody,
  now: () => number,
  stop?: AbortSignal,
): Promise<SendResult> {
  const where = safeUrl(target.url);
  let res: Response;
  try {
    res = await fetchFn(target.url, {
      method: "POST",
      headers: { ...target.headers, "content-type": body.contentType },
      body: body.body as Uint8Array<ArrayBuffer>,
      signal: stop
        ? AbortSignal.any([stop, AbortSignal.timeout(target.timeoutMs)])
        : AbortSignal.timeout(target.timeoutMs),
    });
  } catch (err) {
    const e = err as Error;
    const what = e.name === "TimeoutError"
      ? `no answer within ${target.timeoutMs} ms`
      : e.message.split("\n")[0];
    return {
      kind: "retry",
      message: `POST ${where}: ${what}`,
      retryAfterMs: null,
      tooLarge: false,
    };
  }
  // The body is read (and dropped) so the connection can be reused.
  const text = await res.text().catch(() => "");
  if (res.status >= 200 && res.status < 300) return { kind: "ok", status: res.status };
  const snippet = text.replace(/\s+/g, " ").slice(0, 200);
  const hint = res.status === 401 || res.status === 403
    ? " (check export.otlp.headers / OTEL_EXPORTER_OTLP_HEADERS)"
    : res.status === 404
    ? " (check the endpoint: OTLP/HTTP paths end in /v1/traces and /v1/metrics)"
    : "";
  return {
    kind: "retry",
    message: `POST ${where}: HTTP ${res.status}${hint}${snippet ? `: ${snippet}` : ""}`,
    retryAfterMs: RETRYABLE.has(res.status)
      ? retryAfterMs(res.headers.get("retry-after"), now())
      : null,
    tooLarge: res.status === 413,
  };
}
