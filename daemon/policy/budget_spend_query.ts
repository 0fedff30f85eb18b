import type { CompiledBudget } from "./compile_policy.ts";
import { globToSql } from "./glob.ts";

/** `calls` columns for each scope field (`model` stands for requested or responded model). */
const COLUMN = {
  provider: "provider",
  host: "host",
  endpoint: "endpoint",
  model: "model",
  project: "project",
  client: "client",
  key: "api_key_fp",
} as const;

export type SpendWhere = { column: (typeof COLUMN)[keyof typeof COLUMN]; patterns: string[] }[];

/** A budget's scope as the store's spend query terms (SQLite GLOB operands). */
export function budgetSpendWhere(budget: CompiledBudget): SpendWhere {
  const out: SpendWhere = [];
  for (const [field, value] of Object.entries(budget.scope.spec)) {
    if (value === undefined) continue;
    const list = typeof value === "string" ? [value] : value;
    out.push({ column: COLUMN[field as keyof typeof COLUMN], patterns: list.map(globToSql) });
  }
  return out;
}
