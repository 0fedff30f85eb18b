/** The spend-control commands: `budget`, `quota`, `policy check`, `policy explain`. */
export { type BudgetOptions, runBudget } from "./budget.ts";
export { type QuotaOptions, runQuota } from "./quota.ts";
export {
  type ExplainOptions,
  type PolicyCheckOptions,
  providerOfModel,
  runPolicyCheck,
  runPolicyExplain,
} from "./policy_command.ts";
export { type PolicyView, type PolicyViewDeps, readPolicyView } from "./_policy_view.ts";
