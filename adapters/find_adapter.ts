import { match as matchAnthropic } from "./anthropic.ts";
import { match as matchAzure } from "./azure.ts";
import { createAnthropicMessagesAdapter } from "./anthropic.ts";
import { createGeminiMethodAdapter, match as matchGemini } from "./gemini.ts";
import { createChatAdapter, createResponsesAdapter } from "./openai_adapters.ts";
import { match as matchCompatible } from "./openai_compatible.ts";
import { createOtherAdapter } from "./other_adapter.ts";
import type { Adapter } from "./types.ts";
import { SELF_TEST_HOST } from "../core/mod.ts";
import { match as matchVertex } from "./vertex.ts";

type Matcher = (host: string, path: string) => Adapter | null;

const MATCHERS: readonly Matcher[] = [
  // init's self-test target, answered by the daemon itself.
  (host) => host === SELF_TEST_HOST ? createOtherAdapter("halton-meter", "selftest") : null,
  matchAnthropic,
  matchCompatible,
  matchAzure,
  matchGemini,
  matchVertex,
  (host) =>
    /^bedrock-runtime\.[a-z0-9-]+\.amazonaws\.com$/.test(host) ? createOtherAdapter("aws") : null,
];

/** Lower-case, no trailing dot, no `:443`. */
export function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.endsWith(":443")) h = h.slice(0, -4);
  if (h.endsWith(".")) h = h.slice(0, -1);
  return h;
}

/** No query or fragment, no repeated or trailing slashes (`/v1//messages/` is `/v1/messages`). */
export function normalizePath(path: string): string {
  let p = path;
  const cut = p.search(/[?#]/);
  if (cut >= 0) p = p.slice(0, cut);
  p = p.replace(/\/{2,}/g, "/");
  if (p.length > 1 && p.endsWith("/")) p = p.slice(0, -1);
  return p.startsWith("/") ? p : `/${p}`;
}

// A host added through `intercept.hosts` (a gateway, a self-hosted server) is
// recognised by the shape of its path; its provider is `unknown`.
function matchByPath(path: string): Adapter {
  if (path.endsWith("/chat/completions")) return createChatAdapter("unknown");
  if (path.endsWith("/messages/count_tokens")) return createOtherAdapter("unknown", "count_tokens");
  if (path.endsWith("/v1/messages")) return createAnthropicMessagesAdapter("unknown");
  if (path.endsWith("/v1/responses")) return createResponsesAdapter("unknown");
  const gemini = /\/models\/([^/:]+):([A-Za-z]+)$/.exec(path);
  if (gemini !== null) return createGeminiMethodAdapter("unknown", gemini[1], gemini[2]);
  return createOtherAdapter("unknown");
}

/**
 * The adapter for a request. Always returns one: a known provider path gets its
 * family's adapter, any other path on a provider host gets that provider's
 * `other` adapter (completeness `none`), and an unknown host is matched by
 * path shape with provider `unknown`. `host` may carry `:443` and any case;
 * `path` may carry a query string (ignored).
 */
export function findAdapter(host: string, path: string): Adapter {
  try {
    const h = normalizeHost(host);
    const p = normalizePath(path);
    for (const m of MATCHERS) {
      const adapter = m(h, p);
      if (adapter !== null) return adapter;
    }
    return matchByPath(p);
  } catch {
    return createOtherAdapter("unknown");
  }
}
