/**
 * `halton-meter budget [--json] [--check]` — each budget of policy.json: spent against its
 * cap, window, reset, burn rate and when the cap is reached at that rate. `--check` exits 1
 * when any budget is exceeded (for shell prompts and CI), 0 otherwise.
 */
import Table from "cli-table3";
import type { BudgetStatus } from "../../daemon/policy/mod.ts";
import { type PolicyViewDeps, readPolicyView } from "./_policy_view.ts";
import { formatInt, formatSpan, formatUsd, tableStyle, when } from "./_format.ts";

export interface BudgetOptions {
  home: string;
  json: boolean;
  check: boolean;
  deps?: PolicyViewDeps;
  print: (line: string) => void;
  printError: (line: string) => void;
}

function spent(b: BudgetStatus): string {
  const parts: string[] = [];
  if (b.cap_usd !== null) parts.push(`${formatUsd(b.spent_usd)} of ${formatUsd(b.cap_usd)}`);
  if (b.cap_tokens !== null) {
    parts.push(`${formatInt(b.spent_tokens)} of ${formatInt(b.cap_tokens)} tok`);
  }
  return parts.join("\n");
}

function burn(b: BudgetStatus): string {
  if (b.cap_usd !== null) return `${formatUsd(b.burn_usd_per_hour)}/h`;
  return `${formatInt(b.burn_tokens_per_hour)} tok/h`;
}

function projection(b: BudgetStatus, now: number): string {
  switch (b.projection) {
    case "exceeded":
      return b.on_exceed === "block" ? "exceeded: calls blocked" : "exceeded: calls warned";
    case "idle":
      return "no recent spend";
    case "after_reset":
      return "not before reset";
    default:
      return b.projected_exhaustion_at === null
        ? "-"
        : `cap in ${formatSpan(b.projected_exhaustion_at - now)}`;
  }
}

export async function runBudget(opts: BudgetOptions): Promise<number> {
  const view = await readPolicyView(opts.home, opts.deps);
  const now = (opts.deps?.now ?? Date.now)();
  const exceeded = view.budgets.filter((b) => b.state === "exceeded");
  if (opts.json) {
    opts.print(JSON.stringify(
      { source: view.source, policy: view.state, budgets: view.budgets },
      null,
      2,
    ));
  } else if (opts.check) {
    if (exceeded.length === 0) opts.print(`${view.budgets.length} budget(s), none exceeded`);
    for (const b of exceeded) opts.print(b.message);
  } else {
    if (view.state.state === "invalid") opts.printError(`warning: ${view.state.error}`);
    if (view.state.totalsError) opts.printError(`warning: ${view.state.totalsError}`);
    if (view.budgets.length === 0) {
      opts.print(
        view.state.state === "invalid"
          ? "No budget in force: policy.json is invalid (see above)."
          : `No budgets: add some to ${view.state.path} (see docs/POLICY.md).`,
      );
    } else {
      const table = new Table({
        head: ["budget", "window", "spent", "%", "state", "resets", "burn", "at this rate"],
        colAligns: ["left", "left", "right", "right", "left", "left", "right", "left"],
        style: tableStyle(),
      });
      for (const b of view.budgets) {
        table.push([
          b.id,
          b.window,
          spent(b),
          `${b.percent}%`,
          b.state,
          b.resets_at === null ? "-" : when(b.resets_at, now, b.time_zone),
          burn(b),
          projection(b, now),
        ]);
      }
      opts.print(table.toString());
      if (view.source === "database") {
        opts.print("(daemon not running: computed from the database; nothing is enforced)");
      }
    }
  }
  if (opts.check && view.state.state === "invalid") {
    opts.printError(`warning: ${view.state.error}`);
  }
  return opts.check && exceeded.length > 0 ? 1 : 0;
}
