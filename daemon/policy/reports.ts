/**
 * Where each budget and subscription window stands: the shapes of `GET /v1/budgets`,
 * `GET /v1/quota`, `halton-meter budget` and `halton-meter quota`. Burn rates come from the
 * last hour's spend (the window's average when the last hour was idle); a projection says when
 * the cap is reached at that rate, or that it will not be before the window resets.
 */
import type { BudgetLedger } from "./budget_ledger.ts";
import type { CompiledBudget } from "./compile_policy.ts";
import { checkBudget } from "./evaluate.ts";
import type { QuotaBook } from "./quota_book.ts";

const HOUR = 3_600_000;

export type Projection = "exceeded" | "before_reset" | "after_reset" | "idle";

export interface BudgetStatus {
  id: string;
  window: string;
  /** Calendar windows only. */
  time_zone: string | null;
  scope: Record<string, string | string[]>;
  cap_usd: number | null;
  cap_tokens: number | null;
  warn_at: number;
  on_exceed: "block" | "warn";
  spent_usd: number;
  spent_tokens: number;
  /** Expected cost of calls in flight, counted against the cap. */
  reserved_usd: number;
  in_flight: number;
  /** Highest of the USD and token fractions, in percent. */
  percent: number;
  state: "ok" | "warn" | "exceeded" | "unavailable";
  /** Epoch ms. Rolling windows: now minus the window. */
  window_start: number;
  /** Calendar: the next reset. Rolling: when spend ages back under the cap; null when under. */
  resets_at: number | null;
  burn_usd_per_hour: number;
  burn_tokens_per_hour: number;
  projected_exhaustion_at: number | null;
  projection: Projection;
  /** The sentence a warning or block would carry. */
  message: string;
}

function project(
  spent: number,
  cap: number | null,
  rate: number,
  now: number,
  resetAt: number | null,
): { at: number | null; projection: Projection } {
  if (cap === null) return { at: null, projection: "idle" };
  if (spent >= cap) return { at: now, projection: "exceeded" };
  if (rate <= 0) return { at: null, projection: "idle" };
  const at = now + ((cap - spent) / rate) * HOUR;
  if (resetAt !== null && at >= resetAt) return { at, projection: "after_reset" };
  return { at, projection: "before_reset" };
}

/** A budget's state from where checkBudget says it stands. */
const BUDGET_STATE = { under: "ok", warn: "warn", over: "exceeded" } as const;

/** A rolling window "resets" only when it is over its cap: when spend ages back under it. */
function rollingFree(at: number | null | undefined, now: number): number | null {
  return at === null || at === undefined || at <= now ? null : at;
}

export function budgetStatus(b: CompiledBudget, ledger: BudgetLedger, now: number): BudgetStatus {
  const scope: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(b.scope.spec)) if (v !== undefined) scope[k] = v;
  const tally = ledger.tally(b);
  const t = tally?.totals(now) ?? { usd: 0, tokens: 0, calls: 0, start: now, end: now };
  const reservedUsd = tally?.reservedUsd ?? 0;
  const lastHour = tally?.spentSince(now - HOUR, now) ?? { usd: 0, tokens: 0 };
  const elapsedH = Math.max((now - t.start) / HOUR, 1 / 60);
  const rateUsd = lastHour.usd > 0 ? lastHour.usd : t.usd / elapsedH;
  const rateTok = lastHour.tokens > 0 ? lastHour.tokens : t.tokens / elapsedH;
  const calendar = b.window.kind === "calendar";
  const resetAt = calendar ? t.end : null;
  const pUsd = project(t.usd + reservedUsd, b.capUsd, rateUsd, now, resetAt);
  const pTok = project(t.tokens + (tally?.reservedTokens ?? 0), b.capTokens, rateTok, now, resetAt);
  const rank: Record<Projection, number> = {
    exceeded: 0,
    before_reset: 1,
    after_reset: 2,
    idle: 3,
  };
  let p = rank[pUsd.projection] <= rank[pTok.projection] ? pUsd : pTok;
  if (pUsd.projection === pTok.projection && pUsd.at !== null && pTok.at !== null) {
    p = pUsd.at <= pTok.at ? pUsd : pTok;
  }
  const unavailable = ledger.failed.has(b.identity);
  const check = checkBudget(b, ledger, now);
  return {
    id: b.id,
    window: b.window.label,
    time_zone: b.window.kind === "calendar" ? b.window.timeZone : null,
    scope,
    cap_usd: b.capUsd,
    cap_tokens: b.capTokens,
    warn_at: b.warnAt,
    on_exceed: b.onExceed,
    spent_usd: t.usd,
    spent_tokens: t.tokens,
    reserved_usd: reservedUsd,
    in_flight: tally?.inFlight ?? 0,
    percent: Math.round(check.frac * 1000) / 10,
    state: unavailable ? "unavailable" : BUDGET_STATE[check.level],
    window_start: t.start,
    resets_at: calendar ? t.end : rollingFree(tally?.freesAt(b.capUsd, b.capTokens, now), now),
    burn_usd_per_hour: rateUsd,
    burn_tokens_per_hour: rateTok,
    projected_exhaustion_at: p.at,
    projection: p.projection,
    message: check.text,
  };
}

export interface QuotaWindowStatus {
  name: string;
  utilization: number | null;
  status: string | null;
  resets_at: number | null;
  burn_per_hour: number | null;
  projected_exhaustion_at: number | null;
  projection: Projection;
}

export interface CountLimitStatus {
  limit: number | null;
  remaining: number | null;
  resets_at: number | null;
}

export interface AccountQuotaStatus {
  account: string;
  provider: string;
  seen_at: number;
  status: string | null;
  representative_claim: string | null;
  windows: QuotaWindowStatus[];
  requests: CountLimitStatus | null;
  tokens: CountLimitStatus | null;
}

export function quotaStatus(book: QuotaBook, now: number): AccountQuotaStatus[] {
  return book.accounts().map((a) => {
    const windows = (a.unified?.windows ?? []).map((w): QuotaWindowStatus => {
      const current = book.window(a.account, w.name, now) ?? w;
      const burn = current.status === "reset" ? null : book.burnPerHour(a.account, w.name);
      const p = current.utilization === null
        ? { at: null, projection: "idle" as Projection }
        : project(current.utilization, 1, burn ?? 0, now, current.resetsAt);
      return {
        name: w.name,
        utilization: current.utilization,
        status: current.status,
        resets_at: current.resetsAt,
        burn_per_hour: burn,
        projected_exhaustion_at: p.at,
        projection: p.projection,
      };
    });
    const count = (
      c: { limit: number | null; remaining: number | null; resetsAt: number | null } | null,
    ) => c === null ? null : { limit: c.limit, remaining: c.remaining, resets_at: c.resetsAt };
    return {
      account: a.account,
      provider: a.provider,
      seen_at: a.seenAt,
      status: a.unified?.status ?? null,
      representative_claim: a.unified?.representativeClaim ?? null,
      windows,
      requests: count(a.openai?.requests ?? null),
      tokens: count(a.openai?.tokens ?? null),
    };
  });
}
