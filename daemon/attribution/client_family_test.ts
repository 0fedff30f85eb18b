import assert from "node:assert/strict";
import { clientFamily } from "./client_family.ts";

const CASES: ReadonlyArray<readonly [ua: string | null, family: string | null]> = [
  ["claude-cli/2.1.105 (external, cli)", "claude-code"],
  ["claude-cli/2.0.0 (external, claude-vscode)", "claude-code"],
  ["claude-cli/2.1.105 (external, sdk-py, agent-sdk/0.1.59)", "claude-code"],
  ["claude-code/2.1.45", "claude-code"],
  ["codex_cli_rs/0.38.0 (Ubuntu 24.04.2 LTS; x86_64) WindowsTerminal", "codex-cli"],
  ["codex_exec/0.50.0 (Mac OS 15.1.0; arm64) iTerm.app", "codex-cli"],
  ["GeminiCLI/0.1.5 (darwin; arm64)", "gemini-cli"],
  ["GeminiCLI/0.24.0 (linux; x64) google-genai-sdk/1.30.0 gl-node/v22.1.0", "gemini-cli"],
  ["GeminiCLI-tui/0.61.0/gemini-3.1-pro-preview (linux; x64; terminal)", "gemini-cli"],
  ["GeminiCLI-acp-zed/0.61.0/gemini-3.5-flash (darwin; arm64; zed)", "gemini-cli"],
  [
    "CloudCodeVSCode/1.2.3 (aidev_client; os_type=Linux; os_version=6.8; arch=x64; host_path=VSCode/1.99; proxy_client=geminicli)",
    "gemini-cli",
  ],
  ["CloudCodeVSCode/1.2.3 (aidev_client; os_type=Linux)", "cloudcodevscode"],
  [
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) " +
    "Cursor/1.4.2 Chrome/132.0.6834.210 Electron/34.5.1 Safari/537.36",
    "cursor",
  ],
  ["aider/0.86.1", "aider"],
  ["litellm/1.74.0", "litellm"],
  ["Anthropic/Python 0.82.0", "anthropic-sdk-python"],
  ["AsyncAnthropic/Python 0.82.0", "anthropic-sdk-python"],
  ["AnthropicBedrock/Python 0.60.0", "anthropic-sdk-python"],
  ["Anthropic/JS 0.60.0", "anthropic-sdk-typescript"],
  ["OpenAI/Python 1.99.1", "openai-sdk-python"],
  ["AsyncOpenAI/Python 1.99.1", "openai-sdk-python"],
  ["AzureOpenAI/Python 1.99.1", "openai-sdk-python"],
  ["OpenAI/JS 7.57.0", "openai-sdk-node"],
  ["AzureOpenAI/JS 7.57.0", "openai-sdk-node"],
  ["python-requests/2.32.3", "python-requests"],
  ["python-httpx/0.27.0", "httpx"],
  ["curl/8.5.0", "curl"],
  ["node-fetch/1.0 (+https://github.com/bitinn/node-fetch)", "node-fetch"],
  ["node-fetch", "node-fetch"],
  ["undici", "undici"],
  ["node", "undici"],
  ["Deno/2.1.4", "deno"],
  // Unknown clients: their product name, cleaned up.
  ["Go-http-client/1.1", "go-http-client"],
  ["Bun/1.3.14", "bun"],
  ["axios/1.7.9", "axios"],
  ["Python/3.12 aiohttp/3.10.5", "python"],
  ["My Tool", "my"],
  ["  spaced/1.0  ", "spaced"],
  ["Ünïcode-Tool/1 \u0000\u0007", "ncode-tool"],
  ["x".repeat(5000), "x".repeat(32)],
  // Nothing usable.
  [null, null],
  ["", null],
  ["   ", null],
  ["\u0000\u0001/1.0", null],
  ["(compatible)", null],
  // Words that only look like a known token do not match it.
  ["notcurl/1.0", "notcurl"],
  ["myclaude-cli-wrapper/1.0", "myclaude-cli-wrapper"],
  ["OpenAIish/Python 1.0", "openaiish"],
];

Deno.test("clientFamily maps user agents to families", () => {
  for (const [ua, family] of CASES) {
    assert.equal(clientFamily(ua), family, `clientFamily(${JSON.stringify(ua)})`);
  }
});

Deno.test("clientFamily output is short and printable for any input", () => {
  const samples = [
    "\uFFFF".repeat(100),
    "/".repeat(100),
    Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join(""),
    "a\u202Eb/1.0",
  ];
  for (const ua of samples) {
    const family = clientFamily(ua);
    if (family !== null) {
      assert.match(family, /^[a-z0-9._+-]{1,32}$/, JSON.stringify(ua));
    }
  }
});
