/**
 * Spend control: `policy.json` rules, budgets and quota rules, decided before a call is
 * forwarded (docs/POLICY.md). The interception engine knows nothing of this: the meter asks
 * `decide` for each call and hands the verdict's answer to the engine.
 */
export {
  createPolicyEngine,
  type Decided,
  type Explanation,
  type PolicyEngine,
  type PolicyEngineDeps,
  type RateLimitSample,
  spendFact,
} from "./create_policy_engine.ts";
export { BLOCK_STATUS, type BlockResponse, blockResponse, headerSafe } from "./block_response.ts";
export { loadPolicy, type LoadPolicyResult, parsePolicy } from "./load_policy.ts";
export {
  type CompiledBudget,
  type CompiledPolicy,
  compilePolicy,
  MATCH_FIELDS,
} from "./compile_policy.ts";
export { globToSql } from "./glob.ts";
export { createDesktopNotifier, notifyCommand, spawnDetached } from "./desktop_notify.ts";
export { budgetSpendWhere } from "./budget_spend_query.ts";
export type { SpendBucket } from "./budget_tally.ts";
export type { TraceStep } from "./evaluate.ts";
export type { AccountQuotaStatus, BudgetStatus, QuotaWindowStatus } from "./reports.ts";
export {
  formatInZone,
  formatSpan,
  machineTimeZone,
  parseWindow,
  windowBounds,
} from "./budget_window.ts";
export { formatInt, formatUsd } from "./format_usd.ts";
export {
  ALLOW,
  BILLABLE_ENDPOINTS,
  type CallFacts,
  type PolicyAction,
  type PolicyState,
  type Verdict,
} from "./types.ts";
