/**
 * The decision for one call, before it is forwarded. Rules say whether a call may happen at
 * all (first match wins; no match = allow); budgets and quota rules say whether there is room
 * left. Block beats warn beats allow. Pure apart from the reservation it takes on the budgets
 * the call falls under, returned for the caller to settle when the call is recorded.
 */
import type { BudgetLedger, Reservation } from "./budget_ledger.ts";
import { formatInZone, formatSpan } from "./budget_window.ts";
import type { CompiledBudget, CompiledPolicy, CompiledQuota } from "./compile_policy.ts";
import { formatInt, formatUsd } from "../../core/mod.ts";
import type { QuotaBook } from "./quota_book.ts";
import { BILLABLE_ENDPOINTS, type CallFacts, type Verdict } from "./types.ts";

export interface EvalContext {
  now: number;
  ledger: BudgetLedger;
  quota: QuotaBook;
}

/** One line of `policy explain`. */
export interface TraceStep {
  kind: "rule" | "budget" | "quota";
  id: string;
  outcome:
    | "no match"
    | "not billable"
    | "allow"
    | "warn"
    | "block"
    | "under"
    | "no data"
    | "not enforced"
    | "not reached";
  detail: string;
}

export interface Evaluation {
  verdict: Verdict;
  /** Expected cost held on the call's budgets until it is recorded; null when none. */
  reservation: Reservation | null;
}

function describeScope(spec: Record<string, string | readonly string[] | undefined>): string {
  const parts = Object.entries(spec).filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k} ${typeof v === "string" ? v : (v as readonly string[]).join("|")}`);
  return parts.length ? parts.join(", ") : "all calls";
}

function windowPhrase(b: CompiledBudget): string {
  if (b.window.kind === "rolling") return `in the last ${b.window.label}`;
  return b.window.unit === "day" ? "today" : `this ${b.window.unit}`;
}

interface BudgetCheck {
  level: "under" | "warn" | "over";
  /** Highest of the USD and token fractions of the caps, in-flight reservations counted. */
  frac: number;
  text: string;
}

/**
 * Where a budget stands for one more call, and the sentence that says so. The sentence costs
 * more than the check (number and time formatting): with `textWhenUnder` false it is only
 * written for a budget that warns or blocks.
 */
export function checkBudget(
  b: CompiledBudget,
  ledger: BudgetLedger,
  now: number,
  textWhenUnder = true,
): BudgetCheck {
  const tally = ledger.tally(b);
  if (!tally) return { level: "under", frac: 0, text: "no totals" };
  const t = tally.totals(now);
  const usd = t.usd + tally.reservedUsd;
  const tokens = t.tokens + tally.reservedTokens;
  const fracUsd = b.capUsd === null ? 0 : usd / b.capUsd;
  const fracTok = b.capTokens === null ? 0 : tokens / b.capTokens;
  const frac = Math.max(fracUsd, fracTok);
  const level = frac >= 1 ? "over" : frac >= b.warnAt ? "warn" : "under";
  if (level === "under" && !textWhenUnder) return { level, frac, text: "" };
  const byTokens = fracTok > fracUsd;
  const inFlight = tally.inFlight > 0 ? ` (${tally.inFlight} call(s) in flight counted)` : "";
  const spent = byTokens
    ? `${formatInt(tokens)} of ${formatInt(b.capTokens ?? 0)} tokens`
    : `${formatUsd(usd)} of ${formatUsd(b.capUsd ?? 0)}`;
  let reset: string;
  if (b.window.kind === "calendar") {
    reset = `it resets at ${formatInZone(t.end, b.window.timeZone)} (in ${
      formatSpan(t.end - now)
    })`;
  } else {
    const free = tally.freesAt(b.capUsd, b.capTokens, now);
    reset = free !== null && free > now
      ? `spend ages out of the ${b.window.label} window from ${
        new Date(free).toISOString().slice(0, 16).replace("T", " ")
      } UTC (in ${formatSpan(free - now)})`
      : `it is a rolling ${b.window.label} window`;
  }
  const scope = describeScope(b.scope.spec);
  const pct = frac > 0 && frac < 0.01 ? "<1%" : `${Math.floor(frac * 100)}%`;
  const head = level === "over"
    ? `Halton Meter budget "${b.id}" is exhausted: ${spent} spent ${windowPhrase(b)}`
    : `Halton Meter budget "${b.id}": ${spent} (${pct}) spent ${windowPhrase(b)}`;
  const text = `${head}${inFlight} for ${scope}; ${reset}.${b.message ? ` ${b.message}` : ""}`;
  return { level, frac, text };
}

interface QuotaCheck {
  level: "under" | "warn" | "over" | "none";
  text: string;
}

function checkQuota(q: CompiledQuota, facts: CallFacts, book: QuotaBook, now: number): QuotaCheck {
  const w = book.window(facts.key, q.window, now);
  if (!w || w.utilization === null) {
    return { level: "none", text: `no ${q.window} window seen for this account yet` };
  }
  const u = w.utilization;
  const level = q.blockAt !== null && u >= q.blockAt
    ? "over"
    : q.warnAt !== null && u >= q.warnAt
    ? "warn"
    : "under";
  const limit = level === "over" ? q.blockAt : q.warnAt;
  const reset = w.resetsAt !== null
    ? `; it resets at ${
      new Date(w.resetsAt).toISOString().slice(0, 16).replace("T", " ")
    } UTC (in ${formatSpan(w.resetsAt - now)})`
    : "";
  const at = limit !== null
    ? ` (${level === "over" ? "block" : "warn"} at ${Math.round(limit * 100)}%)`
    : "";
  const text = `Halton Meter quota rule "${q.id}": the ${q.window} subscription window is at ${
    Math.round(u * 100)
  }%${at}${reset}.${q.message ? ` ${q.message}` : ""}`;
  return { level, text };
}

/** Decides one call; `trace`, when given, receives every rule, budget and quota considered. */
export function evaluate(
  policy: CompiledPolicy,
  facts: CallFacts,
  ctx: EvalContext,
  trace?: TraceStep[],
): Evaluation {
  const warnings: { source: Verdict["source"]; message: string }[] = [];
  let allowedBy: Verdict["source"] = null;

  // A real call looks at what applies only; `explain` walks everything to say why not.
  const sel = trace ? null : policy.select(facts);
  let ruleDecided = false;
  let ruleBlock: Verdict | null = null;
  for (const r of sel ? (sel.rule ? [sel.rule] : []) : policy.rules) {
    if (ruleDecided) {
      trace?.push({
        kind: "rule",
        id: r.id,
        outcome: "not reached",
        detail: "an earlier rule matched",
      });
      continue;
    }
    if (!sel && !r.match.test(facts)) {
      trace?.push({
        kind: "rule",
        id: r.id,
        outcome: "no match",
        detail: describeScope(r.match.spec),
      });
      continue;
    }
    ruleDecided = true;
    trace?.push({ kind: "rule", id: r.id, outcome: r.action, detail: describeScope(r.match.spec) });
    const what = [
      facts.model && `model ${facts.model}`,
      facts.project && `project ${facts.project}`,
    ]
      .filter(Boolean).join(", ");
    const text = `Halton Meter policy rule "${r.id}" ${
      r.action === "block" ? "blocks" : "warns about"
    } this call${what ? ` (${what})` : ""}${r.message ? `: ${r.message}` : "."}`;
    if (r.action === "block") {
      ruleBlock = { action: "block", source: { kind: "rule", id: r.id }, message: text };
      // explain goes on to show where the budgets stand; a real call stops here.
      if (!trace) return { verdict: ruleBlock, reservation: null };
    } else if (r.action === "warn") {
      warnings.push({ source: { kind: "rule", id: r.id }, message: text });
    } else allowedBy = { kind: "rule", id: r.id };
  }

  const billable = BILLABLE_ENDPOINTS.has(facts.endpoint);
  let block: Verdict | null = null;
  const covering: CompiledBudget[] = [];
  for (const b of sel ? sel.budgets : policy.budgets) {
    if (!sel && !b.scope.test(facts)) {
      trace?.push({
        kind: "budget",
        id: b.id,
        outcome: "no match",
        detail: describeScope(b.scope.spec),
      });
      continue;
    }
    if (!billable) {
      trace?.push({
        kind: "budget",
        id: b.id,
        outcome: "not billable",
        detail: `endpoint ${facts.endpoint}`,
      });
      continue;
    }
    covering.push(b);
    if (ctx.ledger.failed.has(b.identity)) {
      trace?.push({
        kind: "budget",
        id: b.id,
        outcome: "not enforced",
        detail: "totals unavailable",
      });
      continue;
    }
    const c = checkBudget(b, ctx.ledger, ctx.now, trace !== undefined);
    if (c.level === "over") {
      const action = b.onExceed;
      trace?.push({ kind: "budget", id: b.id, outcome: action, detail: c.text });
      if (action === "block") {
        block ??= { action: "block", source: { kind: "budget", id: b.id }, message: c.text };
      } else warnings.push({ source: { kind: "budget", id: b.id }, message: c.text });
    } else if (c.level === "warn") {
      trace?.push({ kind: "budget", id: b.id, outcome: "warn", detail: c.text });
      warnings.push({ source: { kind: "budget", id: b.id }, message: c.text });
    } else trace?.push({ kind: "budget", id: b.id, outcome: "under", detail: c.text });
    if (block && !trace) break;
  }

  for (const q of sel ? sel.quota : policy.quota) {
    if (block && !trace) break;
    if (
      !sel &&
      (!q.match.test(facts) ||
        (q.account !== null && (facts.key === null || !q.account(facts.key))))
    ) {
      trace?.push({
        kind: "quota",
        id: q.id,
        outcome: "no match",
        detail: describeScope(q.match.spec),
      });
      continue;
    }
    if (!billable) {
      trace?.push({
        kind: "quota",
        id: q.id,
        outcome: "not billable",
        detail: `endpoint ${facts.endpoint}`,
      });
      continue;
    }
    const c = checkQuota(q, facts, ctx.quota, ctx.now);
    if (c.level === "over") {
      trace?.push({ kind: "quota", id: q.id, outcome: "block", detail: c.text });
      block ??= { action: "block", source: { kind: "quota", id: q.id }, message: c.text };
    } else if (c.level === "warn") {
      trace?.push({ kind: "quota", id: q.id, outcome: "warn", detail: c.text });
      warnings.push({ source: { kind: "quota", id: q.id }, message: c.text });
    } else {trace?.push({
        kind: "quota",
        id: q.id,
        outcome: c.level === "none" ? "no data" : "under",
        detail: c.text,
      });}
  }

  if (ruleBlock) return { verdict: ruleBlock, reservation: null };
  if (block) return { verdict: block, reservation: null };
  const reservation = trace ? null : ctx.ledger.reserve(facts, covering);
  if (warnings.length) {
    const [first, ...rest] = warnings;
    const verdict: Verdict = { action: "warn", source: first.source, message: first.message };
    if (rest.length) verdict.alsoWarned = rest.map((w) => w.message);
    return { verdict, reservation };
  }
  return { verdict: { action: "allow", source: allowedBy, message: null }, reservation };
}
