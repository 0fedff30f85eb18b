/**
 * The policy in force, kept current: `policy.json` is checked for changes every 250 ms and a
 * valid edit takes over at once; an invalid edit is logged and the last good policy stays.
 * Budgets read running totals held here (see budget_ledger.ts); subscription windows come from
 * the responses' rate-limit headers (quota_book.ts). Every failure here allows the call: the
 * engine can only ever stop a call on purpose.
 */
import type { CallRecord } from "../../core/call_record.ts";
import { BudgetLedger, type LoadBuckets, type Reservation } from "./budget_ledger.ts";
import { machineTimeZone } from "./budget_window.ts";
import { type CompiledPolicy, compilePolicy } from "./compile_policy.ts";
import { evaluate, type TraceStep } from "./evaluate.ts";
import { loadPolicy } from "./load_policy.ts";
import { QuotaBook } from "./quota_book.ts";
import {
  type AccountQuotaStatus,
  type BudgetStatus,
  budgetStatus,
  quotaStatus,
} from "./reports.ts";
import { ALLOW, type CallFacts, type PolicyState, type SpendFact, type Verdict } from "./types.ts";

/** One recorded call's rate-limit snapshot, for rebuilding the quota book. */
export interface RateLimitSample {
  account: string | null;
  provider: string;
  seenAt: number;
  headers: Record<string, string>;
}

export interface PolicyEngineDeps {
  /** `$HALTON_METER_HOME/policy.json`. */
  path: string;
  now(): number;
  log(
    level: "info" | "warn" | "error",
    message: string,
    fields?: Record<string, string | number>,
  ): void;
  /** Budget spend from the database (flushing pending rows first). Throws when it cannot. */
  loadBuckets: LoadBuckets;
  /** Rate-limit snapshots recorded since `since` (epoch ms), oldest first. Throws when it cannot. */
  loadRateLimits(since: number): RateLimitSample[];
  /** Desktop notification, when the policy asks for them (`notify.desktop`). */
  notify?(title: string, body: string): void;
  /** Default 250 ms; 0 = never check (tests call `reload()`). */
  watchIntervalMs?: number;
  /** Default 30 s: how often totals that could not be read are tried again. */
  retryIntervalMs?: number;
  timeZone?: string;
}

export interface Decided {
  verdict: Verdict;
  /** Call when the call is over (recorded or not): returns its budget reservation. */
  settle(): void;
}

export interface Explanation {
  verdict: Verdict;
  steps: TraceStep[];
}

export interface PolicyEngine {
  /** Something to enforce: when false, the engine has no decision step (no buffering). */
  active(): boolean;
  /** A decision needs the call's project. */
  usesProject(): boolean;
  decide(facts: CallFacts): Decided;
  explain(facts: CallFacts): Explanation;
  /** Feeds one recorded call to the budgets and the subscription windows. */
  record(record: CallRecord): void;
  budgets(): BudgetStatus[];
  quota(): AccountQuotaStatus[];
  state(): PolicyState;
  /** Checks the file now (the watcher does this on its own). */
  reload(): void;
  close(): void;
}

const NOOP_SETTLE = () => {};
const NOTIFY_EVERY_MS = 10 * 60_000;
const LOG_WARN_EVERY_MS = 60_000;

export function spendFact(r: CallRecord): SpendFact {
  return {
    provider: r.provider,
    host: r.host,
    endpoint: r.endpoint,
    model: r.requestModel,
    responseModel: r.usage.responseModel,
    project: r.project,
    client: r.client,
    key: r.apiKeyFingerprint,
    startedAt: r.startedAt,
    costUsd: r.cost.totalUsd ?? 0,
    tokens: (r.usage.inputTokens ?? 0) + (r.usage.outputTokens ?? 0),
  };
}

export function createPolicyEngine(deps: PolicyEngineDeps): PolicyEngine {
  const timeZone = deps.timeZone ?? machineTimeZone();
  const ledger = new BudgetLedger();
  const quota = new QuotaBook();
  let policy: CompiledPolicy | null = null;
  let lastText: string | null = null;
  let signature = "";
  let evaluationErrors = 0;
  let totalsError: string | undefined;
  const state: PolicyState = {
    state: "none",
    path: deps.path,
    rules: 0,
    budgets: 0,
    quota: 0,
    loadedAt: null,
    evaluationErrors: 0,
  };
  const lastNotified = new Map<string, number>();
  const lastLogged = new Map<string, { at: number; suppressed: number }>();

  const fileSignature = (): string => {
    try {
      const s = Deno.statSync(deps.path);
      return `${s.mtime?.getTime()}:${s.size}:${s.ino ?? ""}`;
    } catch (err) {
      return err instanceof Deno.errors.NotFound ? "missing" : `error:${(err as Error).name}`;
    }
  };

  const reload = () => {
    signature = fileSignature();
    const loaded = loadPolicy(deps.path);
    if (!loaded.ok) {
      if (state.error !== loaded.message) {
        deps.log(
          "error",
          `policy: ${loaded.message}; ${
            policy ? "the last good policy stays in force" : "no policy is in force"
          }`,
        );
      }
      state.state = "invalid";
      state.error = loaded.message;
      return;
    }
    if (loaded.text === lastText && state.state !== "invalid") return;
    let compiled: CompiledPolicy;
    try {
      compiled = compilePolicy(loaded.policy, timeZone);
    } catch (err) {
      state.state = "invalid";
      state.error = `Invalid policy ${deps.path}: ${(err as Error).message}`;
      deps.log("error", `policy: ${state.error}`);
      return;
    }
    const now = deps.now();
    totalsError = ledger.setBudgets(compiled.budgets, now, deps.loadBuckets) ?? undefined;
    if (totalsError) deps.log("error", `policy: ${totalsError}; budgets not enforced until it can`);
    const first = lastText === null && policy === null;
    policy = compiled;
    lastText = loaded.text;
    delete state.error;
    state.state = loaded.exists ? "loaded" : "none";
    state.rules = compiled.rules.length;
    state.budgets = compiled.budgets.length;
    state.quota = compiled.quota.length;
    state.loadedAt = loaded.exists ? now : null;
    if (loaded.exists || !first) {
      deps.log("info", loaded.exists ? "policy: loaded" : "policy: file removed, no policy", {
        rules: state.rules,
        budgets: state.budgets,
        quota: state.quota,
        path: deps.path,
      });
    }
  };

  const loadQuota = () => {
    try {
      for (const s of deps.loadRateLimits(deps.now() - 8 * 86_400_000)) {
        quota.update(s.account, s.provider, s.seenAt, s.headers);
      }
    } catch (err) {
      deps.log(
        "warn",
        `policy: cannot read recorded rate-limit windows: ${(err as Error).message}`,
      );
    }
  };

  reload();
  loadQuota();

  const interval = deps.watchIntervalMs ?? 250;
  const watch = interval > 0
    ? setInterval(() => {
      try {
        if (fileSignature() !== signature) reload();
      } catch (err) {
        deps.log("error", `policy: reload failed: ${(err as Error).message}`);
      }
    }, interval)
    : undefined;
  const retry = setInterval(() => {
    if (ledger.failed.size === 0) return;
    totalsError = ledger.retry(deps.now(), deps.loadBuckets) ?? undefined;
    if (!totalsError) deps.log("info", "policy: budget totals read; budgets enforced again");
  }, deps.retryIntervalMs ?? 30_000);
  if (watch !== undefined) Deno.unrefTimer(watch);
  Deno.unrefTimer(retry);

  const tell = (v: Verdict) => {
    if (!v.source || v.action === "allow") return;
    const key = `${v.source.kind}:${v.source.id}`;
    const now = deps.now();
    const seen = lastLogged.get(key);
    if (v.action === "block" || !seen || now - seen.at >= LOG_WARN_EVERY_MS) {
      const fields: Record<string, string | number> = { id: key };
      if (seen?.suppressed) fields.similar_since_last = seen.suppressed;
      deps.log("warn", `policy ${v.action}: ${v.message}`, fields);
      lastLogged.set(key, { at: now, suppressed: 0 });
    } else seen.suppressed++;
    if (policy?.notifyDesktop && deps.notify) {
      const last = lastNotified.get(key) ?? -Infinity;
      if (now - last >= NOTIFY_EVERY_MS) {
        lastNotified.set(key, now);
        try {
          deps.notify(
            v.action === "block" ? "Halton Meter blocked a call" : "Halton Meter warning",
            v.message ?? key,
          );
        } catch { /* a notification is a courtesy */ }
      }
    }
  };

  return {
    active: () => policy !== null && !policy.empty,
    usesProject: () => policy?.usesProject ?? false,
    decide(facts) {
      if (!policy || policy.empty) return { verdict: ALLOW, settle: NOOP_SETTLE };
      try {
        const { verdict, reservation } = evaluate(policy, facts, {
          now: deps.now(),
          ledger,
          quota,
        });
        tell(verdict);
        const res: Reservation | null = reservation;
        return {
          verdict,
          settle: res && res.tallies.length ? () => ledger.settle(res) : NOOP_SETTLE,
        };
      } catch (err) {
        evaluationErrors++;
        deps.log("error", `policy: evaluation failed; call allowed: ${(err as Error).message}`);
        return { verdict: ALLOW, settle: NOOP_SETTLE };
      }
    },
    explain(facts) {
      const steps: TraceStep[] = [];
      if (!policy) return { verdict: ALLOW, steps };
      try {
        const { verdict } = evaluate(policy, facts, { now: deps.now(), ledger, quota }, steps);
        return { verdict, steps };
      } catch (err) {
        evaluationErrors++;
        const message = `evaluation failed, so a real call would be allowed: ${
          (err as Error).message
        }`;
        deps.log("error", `policy: explain: ${message}`);
        return { verdict: { ...ALLOW, message }, steps };
      }
    },
    record(r) {
      if (r.selfTest) return;
      try {
        const now = deps.now();
        ledger.record(spendFact(r), now);
        quota.update(r.apiKeyFingerprint, r.provider, r.endedAt, r.rateLimit);
      } catch (err) {
        deps.log("error", `policy: cannot count a recorded call: ${(err as Error).message}`);
      }
    },
    budgets() {
      const now = deps.now();
      return (policy?.budgets ?? []).map((b) => budgetStatus(b, ledger, now));
    },
    quota: () => quotaStatus(quota, deps.now()),
    state() {
      const s: PolicyState = { ...state, evaluationErrors };
      if (totalsError) s.totalsError = totalsError;
      return s;
    },
    reload,
    close() {
      if (watch !== undefined) clearInterval(watch);
      clearInterval(retry);
    },
  };
}
