/**
 * `halton-meter policy check [FILE]` validates a policy file (default: the one in use);
 * `halton-meter policy explain --model M [--project P] [--provider X] ...` says what would
 * happen to such a call now, and which rule, budget or quota rule decides, with the totals
 * the daemon would use (read from the database).
 */
import { homePaths } from "../../core/mod.ts";
import { type CallFacts, compilePolicy, parsePolicy } from "../../daemon/policy/mod.ts";
import { openLocalEngine } from "./_policy_view.ts";

export interface PolicyCheckOptions {
  home: string;
  file?: string;
  print: (line: string) => void;
  printError: (line: string) => void;
}

export function runPolicyCheck(opts: PolicyCheckOptions): number {
  const path = opts.file ?? homePaths(opts.home).policy;
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound && opts.file === undefined) {
      opts.print(`No policy file at ${path}: every call is allowed. See docs/POLICY.md.`);
      return 0;
    }
    opts.printError(`halton-meter policy check: cannot read ${path}: ${(err as Error).message}`);
    return 1;
  }
  const parsed = parsePolicy(text, path);
  if (!parsed.ok) {
    opts.printError(parsed.message);
    return 1;
  }
  const c = compilePolicy(parsed.policy);
  opts.print(
    `${path}: valid — ${c.rules.length} rule(s), ${c.budgets.length} budget(s), ` +
      `${c.quota.length} quota rule(s); calendar windows in ${c.timeZone}`,
  );
  return 0;
}

export interface ExplainOptions {
  home: string;
  model?: string;
  project?: string;
  provider?: string;
  host?: string;
  endpoint?: string;
  client?: string;
  key?: string;
  json: boolean;
  now?: () => number;
  print: (line: string) => void;
  printError: (line: string) => void;
}

const PROVIDER_HOSTS: Record<string, [host: string, endpoint: string]> = {
  anthropic: ["api.anthropic.com", "messages"],
  openai: ["api.openai.com", "chat_completions"],
  google: ["generativelanguage.googleapis.com", "generate_content"],
  openrouter: ["openrouter.ai", "chat_completions"],
  groq: ["api.groq.com", "chat_completions"],
  mistral: ["api.mistral.ai", "chat_completions"],
  deepseek: ["api.deepseek.com", "chat_completions"],
  "x-ai": ["api.x.ai", "chat_completions"],
  together: ["api.together.xyz", "chat_completions"],
  fireworks: ["api.fireworks.ai", "chat_completions"],
};

/** The provider a model name belongs to, when its name says so. */
export function providerOfModel(model: string): string | null {
  const m = model.toLowerCase();
  if (m.startsWith("claude")) return "anthropic";
  if (/^(gpt|o[0-9]|chatgpt|codex|text-embedding)/.test(m)) return "openai";
  if (m.startsWith("gemini") || m.startsWith("gemma")) return "google";
  if (m.startsWith("grok")) return "x-ai";
  if (m.startsWith("deepseek")) return "deepseek";
  if (/^(mistral|codestral|magistral|devstral|ministral)/.test(m)) return "mistral";
  return null;
}

export function runPolicyExplain(opts: ExplainOptions): number {
  const provider = opts.provider ?? (opts.model ? providerOfModel(opts.model) : null);
  if (!provider) {
    opts.printError(
      "halton-meter policy explain: cannot tell the provider" +
        (opts.model ? ` of model ${JSON.stringify(opts.model)}` : "") +
        `: add --provider (${Object.keys(PROVIDER_HOSTS).join(", ")})`,
    );
    return 2;
  }
  const [defHost, defEndpoint] = PROVIDER_HOSTS[provider] ?? [provider, "chat_completions"];
  const facts: CallFacts = {
    provider,
    host: opts.host ?? defHost,
    endpoint: opts.endpoint ?? defEndpoint,
    model: opts.model ?? null,
    project: opts.project ?? null,
    client: opts.client ?? null,
    key: opts.key ?? null,
  };
  const local = openLocalEngine(opts.home, opts.now ?? Date.now);
  try {
    const state = local.engine.state();
    if (state.state === "invalid") {
      opts.printError(state.error ?? "policy.json is invalid");
      return 1;
    }
    const { verdict, steps } = local.engine.explain(facts);
    if (opts.json) {
      opts.print(JSON.stringify({ call: facts, verdict, steps, policy: state }, null, 2));
      return 0;
    }
    const what = [
      facts.model ? `model ${facts.model}` : "no model",
      `provider ${facts.provider}`,
      `endpoint ${facts.endpoint}`,
      facts.project ? `project ${facts.project}` : "no project",
    ].join(", ");
    const outcome = verdict.action === "block"
      ? "BLOCKED"
      : verdict.action === "warn"
      ? "allowed with a warning"
      : "allowed";
    const by = verdict.source ? ` by ${verdict.source.kind} "${verdict.source.id}"` : "";
    opts.print(`A call with ${what} would be ${outcome}${by}.`);
    if (verdict.message) opts.print(`  ${verdict.message}`);
    if (state.state === "none") opts.print(`(no policy file at ${state.path})`);
    if (steps.length) opts.print("");
    const w0 = Math.max(...steps.map((s) => s.id.length), 4);
    const w1 = Math.max(...steps.map((s) => s.outcome.length), 7);
    for (const s of steps) {
      opts.print(`  ${s.kind.padEnd(6)} ${s.id.padEnd(w0)}  ${s.outcome.padEnd(w1)}  ${s.detail}`);
    }
    return 0;
  } finally {
    local.close();
  }
}
