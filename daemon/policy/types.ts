/** Public types of the policy engine (see mod.ts and docs/POLICY.md). */

/** What policy knows about a call before it is forwarded. */
export interface CallFacts {
  provider: string;
  host: string;
  /** Endpoint kind from the adapter: `messages`, `chat_completions`, `other`, ... */
  endpoint: string;
  /** Model the request names; null when none. */
  model: string | null;
  /** Model the response named (known only once recorded); matched as well as `model`. */
  responseModel?: string | null;
  project: string | null;
  /** Client family (`claude-code`, `openai-sdk-node`, `curl`, ...). */
  client: string | null;
  /** API-key fingerprint (8 hex); never the key. */
  key: string | null;
}

/** One recorded call as budgets count it. */
export interface SpendFact extends CallFacts {
  /** Epoch ms; a call counts in the window its start falls in. */
  startedAt: number;
  /** 0 when unpriced or blocked. */
  costUsd: number;
  /** Input + output tokens (input includes cache reads and writes). */
  tokens: number;
}

/** Endpoints that spend money: budgets and quotas act on these only. */
export const BILLABLE_ENDPOINTS: ReadonlySet<string> = new Set([
  "messages",
  "chat_completions",
  "responses",
  "generate_content",
  "realtime",
]);

export type PolicyAction = "allow" | "warn" | "block";

/** What decided, for the row, the header and the message. */
export interface Verdict {
  action: PolicyAction;
  /** Kind and id of the rule, budget or quota rule that decided; null when nothing matched. */
  source: { kind: "rule" | "budget" | "quota"; id: string } | null;
  /** Said to the client (block: error body; warn: `x-halton-meter-warning`). */
  message: string | null;
  /** Further warnings when several rules/budgets warned. */
  alsoWarned?: string[];
}

export const ALLOW: Verdict = { action: "allow", source: null, message: null };

/** Where the loaded policy stands (status, doctor, /health). */
export interface PolicyState {
  /** `none`: no policy file; `loaded`: in force; `invalid`: the file is broken (see `error`). */
  state: "none" | "loaded" | "invalid";
  path: string;
  rules: number;
  budgets: number;
  quota: number;
  /** Epoch ms the policy in force was loaded; null when none. */
  loadedAt: number | null;
  /** Why the file on disk is not in force (the last good policy, if any, still is). */
  error?: string;
  /** Budget totals could not be read from the database: budgets are not enforced. */
  totalsError?: string;
  /** Evaluations that threw (each call was allowed). */
  evaluationErrors: number;
}
