/**
 * One budget's running totals: spend in minute buckets, so a rolling window drops old spend
 * as it ages and a calendar window empties at its reset, without asking the database. A
 * decision reads two numbers; recording a call touches one bucket.
 */
import { type BudgetWindow, windowBounds } from "./budget_window.ts";

const MINUTE = 60_000;

export interface SpendBucket {
  /** Epoch minute: floor(ms / 60000). */
  minute: number;
  usd: number;
  tokens: number;
  /** Calls that carried usage (the basis of the per-call estimate). */
  calls: number;
}

export interface TallyTotals {
  usd: number;
  tokens: number;
  calls: number;
  /** Window bounds at the time asked; `end` is the next reset (calendar) or now (rolling). */
  start: number;
  end: number;
}

export class BudgetTally {
  #buckets: SpendBucket[] = [];
  #head = 0;
  #usd = 0;
  #tokens = 0;
  #calls = 0;
  #bounds = { start: -Infinity, end: -Infinity };
  /** Expected cost of one call in scope (mean of the window so far, else of recent calls). */
  #avgUsd = 0;
  #avgTokens = 0;
  reservedUsd = 0;
  reservedTokens = 0;
  inFlight = 0;

  constructor(readonly window: BudgetWindow) {}

  /** Moves the window to `now`, dropping buckets that left it. */
  #advance(now: number): void {
    let start: number;
    if (this.window.kind === "rolling") {
      start = now - this.window.ms;
      this.#bounds = { start, end: now };
    } else {
      if (now >= this.#bounds.end || now < this.#bounds.start) {
        this.#bounds = windowBounds(this.window, now);
      }
      start = this.#bounds.start;
    }
    const b = this.#buckets;
    // A bucket leaves once all of its minute is before the start: rolling windows keep spend
    // up to a minute longer than its exact age (never shorter), calendar resets are exact.
    while (this.#head < b.length && (b[this.#head].minute + 1) * MINUTE <= start) {
      const old = b[this.#head++];
      this.#usd -= old.usd;
      this.#tokens -= old.tokens;
      this.#calls -= old.calls;
    }
    if (this.#head > 1024 && this.#head * 2 > b.length) {
      this.#buckets = b.slice(this.#head);
      this.#head = 0;
    }
    if (this.#head === this.#buckets.length) {
      // Float sums drift; an empty window is exactly zero.
      this.#usd = 0;
      this.#tokens = 0;
      this.#calls = 0;
    }
  }

  /** Adds spend at `at` (the call's start); spend from before the current window is ignored. */
  add(at: number, usd: number, tokens: number, withUsage: boolean, now: number): void {
    this.#advance(now);
    if ((Math.floor(at / MINUTE) + 1) * MINUTE <= this.#bounds.start) return;
    if (this.window.kind === "calendar" && at >= this.#bounds.end) return;
    const minute = Math.floor(at / MINUTE);
    const b = this.#buckets;
    let i = b.length;
    while (i > this.#head && b[i - 1].minute > minute) i--;
    if (i > this.#head && b[i - 1].minute === minute) {
      const bucket = b[i - 1];
      bucket.usd += usd;
      bucket.tokens += tokens;
      bucket.calls += withUsage ? 1 : 0;
    } else {
      b.splice(i, 0, { minute, usd, tokens, calls: withUsage ? 1 : 0 });
    }
    this.#usd += usd;
    this.#tokens += tokens;
    if (withUsage) {
      this.#calls++;
      // A moving estimate: recent calls weigh most, one outlier does not dominate.
      const a = this.#calls < 10 ? 1 / this.#calls : 0.1;
      this.#avgUsd += (usd - this.#avgUsd) * a;
      this.#avgTokens += (tokens - this.#avgTokens) * a;
    }
  }

  /** Replaces the totals with buckets read from the database (oldest first). */
  load(buckets: readonly SpendBucket[], now: number): void {
    this.#buckets = buckets.map((b) => ({ ...b }));
    this.#head = 0;
    this.#usd = 0;
    this.#tokens = 0;
    this.#calls = 0;
    for (const b of this.#buckets) {
      this.#usd += b.usd;
      this.#tokens += b.tokens;
      this.#calls += b.calls;
    }
    this.#bounds = { start: -Infinity, end: -Infinity };
    this.#advance(now);
    // After advancing: buckets from before the window must not seed the estimate.
    this.#avgUsd = this.#calls > 0 ? this.#usd / this.#calls : 0;
    this.#avgTokens = this.#calls > 0 ? this.#tokens / this.#calls : 0;
  }

  totals(now: number): TallyTotals {
    this.#advance(now);
    return {
      usd: Math.max(0, this.#usd),
      tokens: Math.max(0, this.#tokens),
      calls: Math.max(0, this.#calls),
      start: this.#bounds.start,
      end: this.#bounds.end,
    };
  }

  /** What one more call in scope is expected to cost. */
  estimate(): { usd: number; tokens: number } {
    return { usd: this.#avgUsd, tokens: this.#avgTokens };
  }

  /** Spend in `[from, now]`, e.g. the last hour for a burn rate. */
  spentSince(from: number, now: number): { usd: number; tokens: number } {
    this.#advance(now);
    let usd = 0;
    let tokens = 0;
    const first = Math.floor(from / MINUTE);
    for (let i = this.#buckets.length - 1; i >= this.#head; i--) {
      const b = this.#buckets[i];
      if (b.minute < first) break;
      usd += b.usd;
      tokens += b.tokens;
    }
    return { usd, tokens };
  }

  /**
   * Rolling windows: when spend falls back under the caps as old buckets age out; null when it
   * never does from aging alone (or the window is a calendar one: it resets at `end`).
   */
  freesAt(capUsd: number | null, capTokens: number | null, now: number): number | null {
    if (this.window.kind !== "rolling") return null;
    this.#advance(now);
    let usd = this.#usd;
    let tokens = this.#tokens;
    const under = () =>
      (capUsd === null || usd < capUsd) && (capTokens === null || tokens < capTokens);
    if (under()) return now;
    for (let i = this.#head; i < this.#buckets.length; i++) {
      const b = this.#buckets[i];
      usd -= b.usd;
      tokens -= b.tokens;
      if (under()) return (b.minute + 1) * MINUTE + this.window.ms;
    }
    return null;
  }
}
