/**
 * The running totals of every budget in force, kept in memory so a decision never waits on
 * SQLite: loaded from the database when a budget appears (daemon start, a reload that adds
 * or changes one), then fed each recorded call. Budgets with the same window and scope share
 * one tally. In-flight calls are reserved at their expected cost (see docs/POLICY.md).
 */
import { BudgetTally, type SpendBucket } from "./budget_tally.ts";
import { type CompiledBudget, memoByFacts } from "./compile_policy.ts";
import { BILLABLE_ENDPOINTS, type CallFacts, type SpendFact } from "./types.ts";

/** Reads a budget's spend from the database since `since` (epoch ms), oldest first. Throws. */
export type LoadBuckets = (budget: CompiledBudget, since: number) => SpendBucket[];

/** Calls in flight under budgets; settled when the call is recorded (or abandoned). */
export interface Reservation {
  tallies: BudgetTally[];
  usd: number[];
  tokens: number[];
  settled: boolean;
}

export class BudgetLedger {
  #tallies = new Map<string, BudgetTally>();
  #budgets: CompiledBudget[] = [];
  /** The tallies a call's facts fall in (one per identity), remembered per facts. */
  #covering = this.#coveringFor();

  #coveringFor(): (f: CallFacts) => BudgetTally[] {
    return memoByFacts((f) => {
      const out = new Set<BudgetTally>();
      for (const b of this.#budgets) {
        const tally = this.#tallies.get(b.identity);
        if (tally && b.scope.test(f)) out.add(tally);
      }
      return [...out];
    });
  }

  /** Budgets whose totals could not be read: not enforced until a retry succeeds. */
  readonly failed = new Set<string>();

  get budgets(): readonly CompiledBudget[] {
    return this.#budgets;
  }

  tally(budget: CompiledBudget): BudgetTally | undefined {
    return this.#tallies.get(budget.identity);
  }

  /**
   * Puts a new budget list in force. Tallies of unchanged identities are kept; new ones (and
   * kept ones that never loaded) are loaded with `load`. Returns the first load error (the
   * others are retried by `retry`).
   */
  setBudgets(budgets: readonly CompiledBudget[], now: number, load: LoadBuckets): string | null {
    const next = new Map<string, BudgetTally>();
    // A kept tally whose totals were never read is read again, not trusted from zero.
    const unread = new Set(this.failed);
    this.failed.clear();
    let error: string | null = null;
    for (const b of budgets) {
      if (next.has(b.identity)) continue;
      const kept = this.#tallies.get(b.identity);
      if (kept && !unread.has(b.identity)) {
        next.set(b.identity, kept);
        continue;
      }
      const tally = kept ?? new BudgetTally(b.window);
      next.set(b.identity, tally);
      const e = this.#load(b, tally, now, load);
      if (e !== null) error ??= e;
    }
    this.#tallies = next;
    this.#budgets = [...budgets];
    this.#covering = this.#coveringFor();
    return error;
  }

  /** Loads the tallies that failed before. Returns the first error, or null when all loaded. */
  retry(now: number, load: LoadBuckets): string | null {
    let error: string | null = null;
    for (const b of this.#budgets) {
      if (!this.failed.has(b.identity)) continue;
      const tally = this.#tallies.get(b.identity);
      if (tally) {
        const e = this.#load(b, tally, now, load);
        if (e !== null) error ??= e;
      }
    }
    return error;
  }

  #load(b: CompiledBudget, tally: BudgetTally, now: number, load: LoadBuckets): string | null {
    const since = tally.totals(now).start;
    try {
      // Calls recorded meanwhile were added to the tally already; loading replaces them with
      // the database's view, which includes them once the store has flushed (the loader does).
      const reserved = [tally.reservedUsd, tally.reservedTokens, tally.inFlight];
      tally.load(load(b, Number.isFinite(since) ? since : now), now);
      [tally.reservedUsd, tally.reservedTokens, tally.inFlight] = reserved;
      this.failed.delete(b.identity);
      return null;
    } catch (err) {
      this.failed.add(b.identity);
      return `Cannot read budget totals for "${b.id}" from the database: ${(err as Error).message}`;
    }
  }

  /** Adds a recorded call to every budget whose scope it falls in. */
  record(fact: SpendFact, now: number): void {
    for (const tally of this.#covering(fact)) {
      tally.add(
        fact.startedAt,
        fact.costUsd,
        fact.tokens,
        BILLABLE_ENDPOINTS.has(fact.endpoint) && (fact.costUsd > 0 || fact.tokens > 0),
        now,
      );
    }
  }

  /**
   * Reserves the expected cost of a call on every tally whose budget covers it; `covering`,
   * when given, is that list already worked out (the decision has just tested every scope).
   */
  reserve(facts: CallFacts, covering?: readonly CompiledBudget[]): Reservation {
    const res: Reservation = { tallies: [], usd: [], tokens: [], settled: false };
    if (!BILLABLE_ENDPOINTS.has(facts.endpoint)) return res;
    for (const b of covering ?? this.#budgets) {
      const tally = this.#tallies.get(b.identity);
      if (!tally || res.tallies.includes(tally) || (!covering && !b.scope.test(facts))) continue;
      const est = tally.estimate();
      tally.reservedUsd += est.usd;
      tally.reservedTokens += est.tokens;
      tally.inFlight++;
      res.tallies.push(tally);
      res.usd.push(est.usd);
      res.tokens.push(est.tokens);
    }
    return res;
  }

  /** Returns a reservation (once): the call ended and its real cost is recorded instead. */
  settle(res: Reservation): void {
    if (res.settled) return;
    res.settled = true;
    res.tallies.forEach((t, i) => {
      t.reservedUsd = Math.max(0, t.reservedUsd - res.usd[i]);
      t.reservedTokens = Math.max(0, t.reservedTokens - res.tokens[i]);
      t.inFlight = Math.max(0, t.inFlight - 1);
    });
  }
}
