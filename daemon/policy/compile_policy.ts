import { type BudgetWindow, machineTimeZone, parseWindow } from "./budget_window.ts";
import { asciiLower, compileGlob, type GlobMatcher } from "./glob.ts";
import type { MatchSpec, PolicyFile } from "./policy_schema.ts";
import type { CallFacts, PolicyAction } from "./types.ts";

export const MATCH_FIELDS = [
  "provider",
  "host",
  "endpoint",
  "model",
  "project",
  "client",
  "key",
] as const;
export type MatchField = (typeof MATCH_FIELDS)[number];

export interface CompiledMatch {
  spec: MatchSpec;
  test(facts: CallFacts): boolean;
  /** Needs the call's project (which may take a lookup to know). */
  usesProject: boolean;
}

export interface CompiledRule {
  id: string;
  action: PolicyAction;
  message: string | null;
  match: CompiledMatch;
}

export interface CompiledBudget {
  id: string;
  window: BudgetWindow;
  scope: CompiledMatch;
  capUsd: number | null;
  capTokens: number | null;
  warnAt: number;
  onExceed: "block" | "warn";
  message: string | null;
  /** Same identity = same totals: a reload keeps them instead of re-reading the database. */
  identity: string;
}

export interface CompiledQuota {
  id: string;
  window: string;
  account: GlobMatcher | null;
  match: CompiledMatch;
  warnAt: number | null;
  blockAt: number | null;
  message: string | null;
}

export interface CompiledPolicy {
  rules: CompiledRule[];
  budgets: CompiledBudget[];
  quota: CompiledQuota[];
  timeZone: string;
  notifyDesktop: boolean;
  /** Anything needs the project: a decision must wait for the caller's project. */
  usesProject: boolean;
  /** Nothing to enforce: the engine skips the decision step (no request buffering). */
  empty: boolean;
  /** What applies to these facts (the same facts give the same answer; remembered). */
  select(facts: CallFacts): Selection;
}

/** The rule, budgets and quota rules that apply to one set of facts. */
export interface Selection {
  /** The first matching rule (first match wins); null when none. */
  rule: CompiledRule | null;
  budgets: readonly CompiledBudget[];
  /** Quota rules whose match and account both fit. */
  quota: readonly CompiledQuota[];
}

/** Distinct facts remembered by `memoByFacts` before it starts over (a day has a few dozen). */
export const SELECTION_MEMO_SIZE = 4096;

/** The facts as one string: equal strings, equal facts (no field holds U+0000 or U+0001). */
export function factsKey(f: CallFacts): string {
  const v = (x: string | null | undefined) => (x === null || x === undefined ? "\u0001" : x);
  return `${f.provider}\u0000${f.host}\u0000${f.endpoint}\u0000${v(f.model)}\u0000${
    v(f.responseModel)
  }\u0000${v(f.project)}\u0000${v(f.client)}\u0000${v(f.key)}`;
}

/**
 * `compute` remembered per factsKey: calls repeat the same few clients, models and projects, so
 * globs are tested once per new combination, not once per call.
 */
export function memoByFacts<T>(compute: (f: CallFacts) => T): (f: CallFacts) => T {
  const memo = new Map<string, T>();
  return (f) => {
    const key = factsKey(f);
    let v = memo.get(key);
    if (v === undefined) {
      v = compute(f);
      if (memo.size >= SELECTION_MEMO_SIZE) memo.clear();
      memo.set(key, v);
    }
    return v;
  };
}

function listOf(v: string | readonly string[]): readonly string[] {
  return typeof v === "string" ? [v] : v;
}

type Lowered = { [K in MatchField | "responseModel"]: string | null };

/**
 * The facts' values lower-cased once per facts object, however many rules and budgets look at
 * them (a decision tests 30 globs on the same few strings).
 */
export function createLowering(): (f: CallFacts) => Lowered {
  const cache = new WeakMap<CallFacts, Lowered>();
  const low = (
    v: string | null | undefined,
  ) => (v === null || v === undefined ? null : asciiLower(v));
  return (f) => {
    let l = cache.get(f);
    if (!l) {
      l = {
        provider: low(f.provider),
        host: low(f.host),
        endpoint: low(f.endpoint),
        model: low(f.model),
        responseModel: low(f.responseModel),
        project: low(f.project),
        client: low(f.client),
        key: low(f.key),
      };
      cache.set(f, l);
    }
    return l;
  };
}

/** Every field given must match a known value; absent fields match anything. */
export function compileMatch(
  spec: MatchSpec | undefined,
  lower: (f: CallFacts) => Lowered = createLowering(),
): CompiledMatch {
  const s = spec ?? {};
  const tests: ((f: Lowered) => boolean)[] = [];
  for (const field of MATCH_FIELDS) {
    const patterns = s[field];
    if (patterns === undefined) continue;
    const m = compileGlob(listOf(patterns)).lowered;
    if (field === "model") {
      tests.push((f) =>
        (f.model !== null && m(f.model)) || (f.responseModel !== null && m(f.responseModel))
      );
    } else {
      tests.push((f) => {
        const v = f[field];
        return v !== null && m(v);
      });
    }
  }
  return {
    spec: s,
    usesProject: s.project !== undefined,
    test: tests.length === 0 ? () => true : (f) => {
      const l = lower(f);
      for (const t of tests) if (!t(l)) return false;
      return true;
    },
  };
}

/** Turns a validated policy file into matchers and windows. */
export function compilePolicy(
  file: PolicyFile,
  defaultTimeZone = machineTimeZone(),
): CompiledPolicy {
  const lower = createLowering();
  const timeZone = file.time_zone ?? defaultTimeZone;
  const rules = (file.rules ?? []).map((r): CompiledRule => ({
    id: r.id,
    action: r.action,
    message: r.message ?? null,
    match: compileMatch(r.match, lower),
  }));
  const budgets = (file.budgets ?? []).map((b): CompiledBudget => {
    const tz = b.time_zone ?? timeZone;
    const window = parseWindow(b.window, tz);
    return {
      id: b.id,
      window,
      scope: compileMatch(b.scope, lower),
      capUsd: b.cap_usd ?? null,
      capTokens: b.cap_tokens ?? null,
      warnAt: b.warn_at ?? 0.8,
      onExceed: b.on_exceed ?? "block",
      message: b.message ?? null,
      identity: JSON.stringify([b.window, window.kind === "calendar" ? tz : null, b.scope ?? {}]),
    };
  });
  const quota = (file.quota ?? []).map((q): CompiledQuota => ({
    id: q.id,
    window: q.window,
    account: q.account === undefined ? null : compileGlob(listOf(q.account)),
    match: compileMatch(q.match, lower),
    warnAt: q.warn_at ?? null,
    blockAt: q.block_at ?? null,
    message: q.message ?? null,
  }));
  return {
    rules,
    budgets,
    quota,
    timeZone,
    notifyDesktop: file.notify?.desktop ?? false,
    usesProject: rules.some((r) => r.match.usesProject) ||
      budgets.some((b) => b.scope.usesProject) || quota.some((q) => q.match.usesProject),
    empty: rules.length === 0 && budgets.length === 0 && quota.length === 0,
    select: memoByFacts((f): Selection => ({
      rule: rules.find((r) => r.match.test(f)) ?? null,
      budgets: budgets.filter((b) => b.scope.test(f)),
      quota: quota.filter((q) =>
        q.match.test(f) && (q.account === null || (f.key !== null && q.account(f.key)))
      ),
    })),
  };
}
