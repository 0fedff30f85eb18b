/**
 * `init`'s self-test target: the daemon answers it itself (no upstream; `.invalid` never
 * resolves), so a request to it through the edge proves interception and a row written.
 */
export const SELF_TEST_HOST = "selftest.halton-meter.invalid";

/** Provider hosts metered by default (PROVIDERS.md). `*` stands for one DNS label or label part. */
export const DEFAULT_INTERCEPT_HOSTS: readonly string[] = [
  SELF_TEST_HOST,
  "api.anthropic.com",
  "api.openai.com",
  "generativelanguage.googleapis.com",
  "openrouter.ai",
  "api.groq.com",
  "api.mistral.ai",
  "api.deepseek.com",
  "api.x.ai",
  "api.together.xyz",
  "api.fireworks.ai",
  "*.openai.azure.com",
  "bedrock-runtime.*.amazonaws.com",
  "*-aiplatform.googleapis.com",
];

export type HostMatcher = (host: string) => boolean;

function patternToRegExp(pattern: string): RegExp {
  const escaped = pattern.toLowerCase().split("*").map((part) =>
    part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")
  );
  // A wildcard never crosses a dot, so `*.openai.azure.com` cannot match `evil.com/.openai.azure.com`
  // style tricks or several labels at once.
  return new RegExp(`^${escaped.join("[a-z0-9-]+")}$`);
}

/**
 * Builds a matcher over the default list plus `extra` patterns. Matching is
 * case-insensitive and ignores a trailing dot (`api.openai.com.`).
 */
export function createHostMatcher(extra: readonly string[] = []): HostMatcher {
  const exact = new Set<string>();
  const wild: RegExp[] = [];
  for (const pattern of [...DEFAULT_INTERCEPT_HOSTS, ...extra]) {
    const p = pattern.trim().toLowerCase();
    if (p === "") continue;
    if (p.includes("*")) wild.push(patternToRegExp(p));
    else exact.add(p);
  }
  return (host: string) => {
    let h = host.toLowerCase();
    if (h.endsWith(".")) h = h.slice(0, -1);
    return exact.has(h) || wild.some((re) => re.test(h));
  };
}
