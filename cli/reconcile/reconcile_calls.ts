/**
 * Wire truth against a client's logs. Each log entry is matched with at most one metered call:
 * by id where the logs carry one (Claude Code: `requestId` = our `provider_request_id`, else
 * `message.id` = our `response_id`), else by time and input tokens (Codex: the entry written
 * within 2 minutes of the call's end, with the same input count). Both sides are priced with the
 * same function and price data (`priceCall`), so a cost difference is a token difference.
 *
 * Out: per local day and model, what each side counts (calls, tokens, cost) and how many calls
 * only one side has or have different tokens; and those calls, listed.
 */
import { calendarBounds } from "../../core/mod.ts";
import { periodKey } from "../../daemon/store/mod.ts";
import { priceCall } from "../../daemon/pricing/mod.ts";
import type { LogCall, Tokens, WireCall } from "./types.ts";

export interface Side {
  calls: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  /** Priced calls, rounded to 1e-9. */
  cost_usd: number;
  unpriced_calls: number;
}

export interface ReconcileGroup {
  day: string;
  model: string | null;
  wire: Side;
  logs: Side;
  matched: number;
  wire_only: number;
  logs_only: number;
  /** Matched calls whose token counts differ. */
  token_mismatches: number;
}

export type TokenField =
  | "input_tokens"
  | "output_tokens"
  | "cache_read_tokens"
  | "cache_write_tokens";

export interface Mismatch {
  wire: WireCall;
  log: LogCall;
  matched_by: MatchedBy;
  fields: { field: TokenField; wire: number; logs: number }[];
  wire_cost_usd: number | null;
  logs_cost_usd: number | null;
}

export type MatchedBy = "request_id" | "message_id" | "time_and_input";

/** What a group and the totals count. */
export type Counts = Omit<ReconcileGroup, "day" | "model">;

export interface Reconciliation {
  groups: ReconcileGroup[];
  totals: Counts;
  mismatched: Mismatch[];
  wire_only: (WireCall & { cost_usd: number | null })[];
  logs_only: (LogCall & { cost_usd: number | null })[];
}

export interface ReconcileOptions {
  timeZone: string;
  /** How entries find their call. */
  match: "ids" | "time_and_input";
  /** Whether an unmatched metered call should have been in the logs (e.g. client claude-code). */
  expected(w: WireCall): boolean;
  /** Wire calls outside `[since, until)` are only there to be matched. */
  since?: number;
  until?: number;
  /** Where the logs' calls went, for pricing them. */
  logEndpoint: { provider: string; host: string; path: string };
}

const TIME_SLACK_MS = 120_000;

function emptySide(): Side {
  return {
    calls: 0,
    input_tokens: 0,
    output_tokens: 0,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    cost_usd: 0,
    unpriced_calls: 0,
  };
}

function emptyCounts(): Counts {
  return {
    wire: emptySide(),
    logs: emptySide(),
    matched: 0,
    wire_only: 0,
    logs_only: 0,
    token_mismatches: 0,
  };
}

function add(s: Side, t: Tokens, cost: number | null) {
  s.calls++;
  s.input_tokens += t.input;
  s.output_tokens += t.output;
  s.cache_read_tokens += t.cacheRead;
  s.cache_write_tokens += t.cacheWrite5m + t.cacheWrite1h;
  if (cost === null) s.unpriced_calls++;
  else s.cost_usd += cost;
}

const round9 = (usd: number) => Math.round(usd * 1e9) / 1e9;

function usageOf(t: Tokens, model: string | null, complete: boolean, tier: string | null) {
  return {
    inputTokens: t.input,
    outputTokens: t.output,
    cacheReadTokens: t.cacheRead,
    cacheWrite5mTokens: t.cacheWrite5m,
    cacheWrite1hTokens: t.cacheWrite1h,
    reasoningTokens: null,
    webSearchRequests: null,
    webFetchRequests: null,
    responseModel: model,
    serviceTier: tier,
    responseId: null,
    errorType: null,
    errorMessage: null,
    completeness: complete ? "complete" as const : "incomplete" as const,
    providerCostUsd: null,
  };
}

function tokenDiffs(w: Tokens, l: Tokens): Mismatch["fields"] {
  const pairs: [TokenField, number, number][] = [
    ["input_tokens", w.input, l.input],
    ["output_tokens", w.output, l.output],
    ["cache_read_tokens", w.cacheRead, l.cacheRead],
    ["cache_write_tokens", w.cacheWrite5m + w.cacheWrite1h, l.cacheWrite5m + l.cacheWrite1h],
  ];
  return pairs.filter(([, a, b]) => a !== b).map(([field, wire, logs]) => ({ field, wire, logs }));
}

export function reconcileCalls(
  logs: readonly LogCall[],
  wire: readonly WireCall[],
  o: ReconcileOptions,
): Reconciliation {
  const priced = (usd: number | null) => (usd === null ? null : round9(usd));
  const wireCost = (w: WireCall) =>
    priced(
      priceCall({
        provider: w.provider,
        host: w.host,
        path: w.path,
        model: w.requestModel,
        usage: usageOf(w.tokens, w.model, w.complete, w.serviceTier),
        startedAt: w.startedAt,
      }).totalUsd,
    );
  const logCost = (l: LogCall) =>
    priced(
      priceCall({
        ...o.logEndpoint,
        model: l.model,
        usage: usageOf(l.tokens, l.model, true, l.serviceTier),
        startedAt: l.at,
      }).totalUsd,
    );

  // Candidates by key, in time order; each wire call is matched at most once.
  const used = new Set<string>();
  const index = (key: (w: WireCall) => string | null) => {
    const m = new Map<string, WireCall[]>();
    for (const w of wire) {
      const k = key(w);
      if (k === null) continue;
      const list = m.get(k);
      if (list) list.push(w);
      else m.set(k, [w]);
    }
    return m;
  };
  const byRequest = index((w) => w.requestId);
  const byResponse = index((w) => w.responseId);
  const byInput = index((w) => String(w.tokens.input));
  const free = (list: WireCall[] | undefined) => list?.find((w) => !used.has(w.id));
  const find = (l: LogCall): [WireCall, MatchedBy] | null => {
    if (o.match === "ids") {
      const r = l.requestId === null ? undefined : free(byRequest.get(l.requestId));
      if (r) return [r, "request_id"];
      const m = l.messageId === null ? undefined : free(byResponse.get(l.messageId));
      return m ? [m, "message_id"] : null;
    }
    let best: WireCall | null = null;
    for (const w of byInput.get(String(l.tokens.input)) ?? []) {
      if (used.has(w.id) || Math.abs(w.endedAt - l.at) > TIME_SLACK_MS) continue;
      if (!best || Math.abs(w.endedAt - l.at) < Math.abs(best.endedAt - l.at)) best = w;
    }
    return best ? [best, "time_and_input"] : null;
  };

  const groups = new Map<string, ReconcileGroup>();
  const days = new Map<string, { start: number; end: number; key: string }>();
  const dayOf = (ms: number) => {
    // Calls come in bursts: look the zone up once per day, not per call.
    for (const d of days.values()) if (ms >= d.start && ms < d.end) return d.key;
    const b = calendarBounds("day", o.timeZone, ms);
    const key = periodKey(ms, "day", o.timeZone);
    days.set(key, { ...b, key });
    return key;
  };
  const group = (at: number, model: string | null) => {
    const day = dayOf(at);
    const id = `${day}\0${model ?? ""}`;
    let g = groups.get(id);
    if (!g) {
      g = { day, model, ...emptyCounts() };
      groups.set(id, g);
    }
    return g;
  };

  const out: Reconciliation = {
    groups: [],
    totals: emptyCounts(),
    mismatched: [],
    wire_only: [],
    logs_only: [],
  };
  // A call counts in its group and in the totals alike.
  const t = out.totals;
  const tally = (g: ReconcileGroup, side: "wire" | "logs", tokens: Tokens, cost: number | null) => {
    add(g[side], tokens, cost);
    add(t[side], tokens, cost);
  };
  const bump = (g: ReconcileGroup, k: Exclude<keyof Counts, "wire" | "logs">) => {
    g[k]++;
    t[k]++;
  };
  for (const l of logs) {
    const lc = logCost(l);
    const hit = find(l);
    if (!hit) {
      const g = group(l.at, l.model);
      tally(g, "logs", l.tokens, lc);
      bump(g, "logs_only");
      out.logs_only.push({ ...l, cost_usd: lc });
      continue;
    }
    const [w, by] = hit;
    used.add(w.id);
    const wc = wireCost(w);
    const g = group(w.startedAt, w.model ?? l.model);
    tally(g, "wire", w.tokens, wc);
    tally(g, "logs", l.tokens, lc);
    bump(g, "matched");
    const fields = tokenDiffs(w.tokens, l.tokens);
    if (fields.length) {
      bump(g, "token_mismatches");
      out.mismatched.push({
        wire: w,
        log: l,
        matched_by: by,
        fields,
        wire_cost_usd: wc,
        logs_cost_usd: lc,
      });
    }
  }
  for (const w of wire) {
    if (used.has(w.id) || !o.expected(w)) continue;
    if (o.since !== undefined && w.startedAt < o.since) continue;
    if (o.until !== undefined && w.startedAt >= o.until) continue;
    const wc = wireCost(w);
    const g = group(w.startedAt, w.model);
    tally(g, "wire", w.tokens, wc);
    bump(g, "wire_only");
    out.wire_only.push({ ...w, cost_usd: wc });
  }
  const round = (s: Side) => (s.cost_usd = round9(s.cost_usd));
  out.groups = [...groups.values()].sort((a, b) =>
    a.day < b.day ? -1 : a.day > b.day ? 1 : (a.model ?? "\uffff") < (b.model ?? "\uffff") ? -1 : 1
  );
  for (const g of out.groups) {
    round(g.wire);
    round(g.logs);
  }
  round(t.wire);
  round(t.logs);
  out.wire_only.sort((a, b) => a.startedAt - b.startedAt);
  return out;
}
