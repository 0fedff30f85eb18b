/** Turns socket/TLS errors into data: the kinds the engine counts, logs and reports. */
import type { ExchangeErrorKind, TlsFailureKind } from "./types.ts";

function codeAndMessage(err: unknown): { code: string; message: string } {
  if (err instanceof Error) {
    const code = (err as Error & { code?: unknown }).code;
    return { code: typeof code === "string" ? code : "", message: err.message };
  }
  return { code: "", message: String(err) };
}

const CERT_PATTERN = /cert|UnknownIssuer|NotValidForName|self[- ]signed|issuer|verif/i;

/** Classifies a failure talking to the upstream provider. */
export function classifyUpstreamError(err: unknown): { kind: ExchangeErrorKind; message: string } {
  const { code, message } = codeAndMessage(err);
  const kind: ExchangeErrorKind = code === "ECONNREFUSED"
    ? "upstream_refused"
    : code === "ENOTFOUND" || code === "EAI_AGAIN" ||
        /failed to lookup address|name or service not known|nodename nor servname/i.test(message)
    ? "upstream_dns"
    : code === "ETIMEDOUT" || code === "UPSTREAM_CONNECT_TIMEOUT"
    ? "upstream_timeout"
    : CERT_PATTERN.test(code) || CERT_PATTERN.test(message)
    ? "upstream_tls"
    : code === "ECONNRESET" || code === "EPIPE" || /reset|hang up|closed|eof/i.test(message)
    ? "upstream_reset"
    : "upstream_error";
  return { kind, message: message || code || "unknown error" };
}

/** Classifies a failure of the client-facing TLS handshake. */
export function classifyTlsFailure(err: unknown): TlsFailureKind {
  const { code, message } = codeAndMessage(err);
  const text = `${code} ${message}`;
  if (/alert|UnknownCA|BadCertificate|certificate unknown|unknown ca|bad certificate/i.test(text)) {
    return "cert-rejected";
  }
  if (/ECONNRESET|EPIPE|reset|eof|closed|hang up/i.test(text)) return "reset";
  if (
    /InvalidMessage|CorruptMessage|corrupt message|InvalidContentType|wrong version|http request/i
      .test(text)
  ) {
    return "not-tls";
  }
  return "other";
}
