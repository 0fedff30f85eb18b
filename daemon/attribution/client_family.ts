/**
 * Known clients, most specific first: tools built on an SDK (Claude Code, Codex,
 * Gemini CLI, aider, LiteLLM) must win over the SDK or HTTP library they use.
 * User-Agent strings, as the clients send them:
 * - Claude Code: `claude-cli/2.1.105 (external, cli)`, `(external, claude-vscode)`,
 *   `(external, sdk-py, agent-sdk/0.1.59)`; a few of its side requests `claude-code/2.1.45`.
 * - Codex CLI: `codex_cli_rs/0.38.0 (Ubuntu 24.04; x86_64) WindowsTerminal` (the first
 *   word is Codex's "originator"; other Codex front ends use other `codex_*` names).
 * - Gemini CLI: `GeminiCLI/0.1.5 (darwin; arm64)`; since 0.5x with its front end and model,
 *   `GeminiCLI-tui/0.61.0/gemini-3.1-pro-preview (linux; x64; terminal)` (`-acp-…` and others
 *   too), and inside VS Code `CloudCodeVSCode/… (aidev_client; …; proxy_client=geminicli)`.
 * - Cursor: its Electron UA carries a `Cursor/<version>` token.
 * - Stainless SDKs: `Anthropic/Python 0.82.0`, `AsyncAnthropic/Python …`,
 *   `Anthropic/JS 0.60.0`, `OpenAI/Python 1.x`, `AsyncOpenAI/Python …`,
 *   `AzureOpenAI/Python …`, `OpenAI/JS 7.57.0` (`${class name}/JS ${version}`).
 * - LiteLLM: `litellm/<version>`. Aider sends whatever LiteLLM/the OpenAI SDK sends
 *   unless it names itself; only an explicit `aider/` token is recognised.
 * - Libraries: `python-requests/2.32.3`, `python-httpx/0.27.0`, `curl/8.5.0`,
 *   `node-fetch/1.0 (+https://github.com/bitinn/node-fetch)` or `node-fetch`,
 *   `undici`, `node` (Node's built-in fetch is undici), `Deno/2.1.4`.
 */
const RULES: ReadonlyArray<readonly [family: string, pattern: RegExp]> = [
  ["claude-code", /(?:^|[\s(])claude-(?:cli|code)\//i],
  ["codex-cli", /^codex[_-][a-z0-9_-]*\//i],
  ["gemini-cli", /(?:^|[\s(])geminicli(?:-[a-z0-9_-]+)?\/|[(;]\s*proxy_client=geminicli\s*[;)]/i],
  ["cursor", /(?:^|[\s(])cursor(?:-agent)?\//i],
  ["aider", /(?:^|[\s(])aider\//i],
  ["litellm", /(?:^|[\s(])litellm\//i],
  ["anthropic-sdk-python", /^(?:async)?anthropic[a-z]*\/python\b/i],
  ["anthropic-sdk-typescript", /^anthropic[a-z]*\/js\b/i],
  ["openai-sdk-python", /^(?:async)?(?:azure)?openai\/python\b/i],
  ["openai-sdk-node", /^(?:azure)?openai\/js\b/i],
  ["python-requests", /^python-requests\//i],
  ["httpx", /^python-httpx\//i],
  ["curl", /^curl\//i],
  ["node-fetch", /^node-fetch\b/i],
  ["undici", /^(?:undici\b|node$)/i],
  ["deno", /^deno\//i],
];

/** Longer user agents are cut before matching: only their start matters here. */
const MAX_UA_CHARS = 512;
/** Families of unknown clients are stored per row; keep them short and plain. */
const MAX_FAMILY_CHARS = 32;

/**
 * The client family a User-Agent belongs to, e.g. `claude-code`, `openai-sdk-python`,
 * `curl`. Unknown clients yield their product name (the first word before `/`),
 * lower-cased and reduced to `[a-z0-9._+-]`, at most 32 characters: `Go-http-client/1.1`
 * → `go-http-client`. Null when there is no User-Agent or nothing usable in it.
 */
export function clientFamily(userAgent: string | null): string | null {
  if (userAgent === null) return null;
  const ua = userAgent.slice(0, MAX_UA_CHARS).trim();
  if (ua === "") return null;
  for (const [family, pattern] of RULES) {
    if (pattern.test(ua)) return family;
  }
  const product = ua.split(/[\s/;(]/, 1)[0].toLowerCase().replace(/[^a-z0-9._+-]/g, "");
  return product === "" ? null : product.slice(0, MAX_FAMILY_CHARS);
}
