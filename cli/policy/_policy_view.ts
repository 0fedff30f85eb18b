/**
 * Budgets, subscription windows and the policy state, as `budget`, `quota` and `status` show
 * them: from the running daemon when it answers (what is being enforced, in-flight calls
 * included), else worked out from `policy.json` and the database with the daemon's own code.
 */
import type { DatabaseSync } from "node:sqlite";
import { homePaths, readEffectivePorts } from "../../core/mod.ts";
import {
  type AccountQuotaStatus,
  budgetSpendWhere,
  type BudgetStatus,
  createPolicyEngine,
  type PolicyEngine,
  type PolicyState,
} from "../../daemon/policy/mod.ts";
import { rateLimitRows, spendBuckets } from "../../daemon/store/mod.ts";
import { type HttpProbe, probeBody, probeHttp, readText } from "../_probes.ts";
import { openReadOnlyDatabase, type ReadOnlyDatabase } from "../_read_only_database.ts";

export interface PolicyView {
  /** `daemon`: asked the running daemon; `database`: computed here (daemon not answering). */
  source: "daemon" | "database";
  state: PolicyState;
  budgets: BudgetStatus[];
  quota: AccountQuotaStatus[];
}

export interface PolicyViewDeps {
  now(): number;
  probeHttp(
    port: number,
    path: string,
    timeoutMs: number,
    headers: Record<string, string>,
    maxChars: number,
  ): Promise<HttpProbe>;
}

export const defaultViewDeps: PolicyViewDeps = { now: () => Date.now(), probeHttp };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** GET a `/v1` route of the running daemon; null when it does not answer 200 with JSON. */
async function askDaemon(home: string, path: string, deps: PolicyViewDeps): Promise<unknown> {
  const paths = homePaths(home);
  const port = readEffectivePorts(paths.effectivePorts).api;
  const token = readText(paths.apiToken)?.trim();
  if (!port || !token) return null;
  const probe = await deps.probeHttp(
    port,
    path,
    1500,
    { authorization: `Bearer ${token}` },
    4 * 1024 * 1024,
  );
  if (probe.kind !== "answered" || probe.status !== 200) return null;
  try {
    return JSON.parse(probeBody(probe));
  } catch {
    return null;
  }
}

/**
 * A policy engine over `policy.json` and a read-only view of the database: the daemon's code,
 * run once here. `close()` it after use.
 */
export function openLocalEngine(home: string, now: () => number): {
  engine: PolicyEngine;
  close(): void;
  logs: string[];
} {
  const paths = homePaths(home);
  let ro: ReadOnlyDatabase | null = null;
  const logs: string[] = [];
  // Read-only and without -wal/-shm appearing beside a stopped daemon's database.
  const open = (): DatabaseSync => {
    if (ro) return ro.db;
    Deno.statSync(paths.db); // a missing database is "no spend yet", not an empty new file
    ro = openReadOnlyDatabase(paths.db);
    return ro.db;
  };
  const missing = (err: unknown) => err instanceof Deno.errors.NotFound;
  const engine = createPolicyEngine({
    path: paths.policy,
    now,
    log: (_level, message) => logs.push(message),
    loadBuckets: (budget, since) => {
      try {
        return spendBuckets(open(), { since, where: budgetSpendWhere(budget) });
      } catch (err) {
        if (missing(err)) return [];
        throw err;
      }
    },
    loadRateLimits: (since) => {
      try {
        return rateLimitRows(open(), since);
      } catch (err) {
        if (missing(err)) return [];
        throw err;
      }
    },
    watchIntervalMs: 0,
    retryIntervalMs: 3_600_000,
  });
  return {
    engine,
    logs,
    close() {
      engine.close();
      ro?.[Symbol.dispose]();
    },
  };
}

export async function readPolicyView(
  home: string,
  deps: PolicyViewDeps = defaultViewDeps,
): Promise<PolicyView> {
  const [budgets, quota] = await Promise.all([
    askDaemon(home, "/v1/budgets", deps),
    askDaemon(home, "/v1/quota", deps),
  ]);
  if (
    isRecord(budgets) && isRecord(budgets.policy) && Array.isArray(budgets.budgets) &&
    isRecord(quota) && Array.isArray(quota.accounts)
  ) {
    return {
      source: "daemon",
      state: budgets.policy as unknown as PolicyState,
      budgets: budgets.budgets as BudgetStatus[],
      quota: quota.accounts as AccountQuotaStatus[],
    };
  }
  const local = openLocalEngine(home, deps.now);
  try {
    return {
      source: "database",
      state: local.engine.state(),
      budgets: local.engine.budgets(),
      quota: local.engine.quota(),
    };
  } finally {
    local.close();
  }
}
