/**
 * 5-hour blocks: model calls cut into the windows Anthropic's subscriptions count usage in.
 *
 * Where a call's response carried `anthropic-ratelimit-unified-5h-reset` (Claude subscription
 * traffic), that reset is the window's end and the window is the 5 hours before it: the window
 * Anthropic itself counts, exact to the second (resets drifting by a second or two between
 * responses are one window). Calls outside every such window (API-key traffic, other providers,
 * or a database from before headers were kept) are cut as ccusage cuts them: a block starts at
 * its first call rounded down to the hour (UTC) and lasts 5 hours; it is cut short where a
 * window seen in the headers begins, and never starts inside one. Calls are placed by the
 * minute they started in (a call without headers in the very minute a window starts at a
 * reset that is not on the minute may land on the other side of it).
 *
 * Calls of several subscription accounts whose windows overlap each stay in their own window
 * (blocks may then overlap in time): filter on an API-key fingerprint to see one account.
 */
import type { DatabaseSync } from "node:sqlite";
import { MODEL_CALL_ENDPOINTS } from "./report.ts";

const HOUR = 3_600_000;
export const BLOCK_MS = 5 * HOUR;
/** Resets within this much of each other are the same window. */
const DRIFT_MS = 120_000;

/**
 * Model calls of one minute, one model and one reset (what `loadBlockCalls` reads: a block
 * needs no finer grain, and three days of a busy machine are then a few thousand rows, not a
 * hundred thousand). A single call is a group of one.
 */
export interface BlockCall {
  /** The first call's start, epoch ms. */
  at: number;
  /** The last call's start. */
  lastAt: number;
  calls: number;
  model: string | null;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  /** Priced calls only. */
  cost: number;
  unpriced: number;
  /** `anthropic-ratelimit-unified-5h-reset` of their responses, epoch ms. */
  reset: number | null;
  /** The highest `anthropic-ratelimit-unified-5h-utilization` (it only grows within a window). */
  utilization: number | null;
}

export interface UsageBlock {
  /** Epoch ms, inclusive. */
  start: number;
  /** Epoch ms, exclusive. */
  end: number;
  /** `anthropic_reset`: the window Anthropic reported; `first_call`: cut from the first call. */
  aligned: "anthropic_reset" | "first_call";
  /** `now` falls in it. */
  active: boolean;
  first_call_at: number;
  last_call_at: number;
  calls: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  /** Input (cache included) + output. */
  total_tokens: number;
  /** Rounded to 1e-9. */
  cost_usd: number;
  unpriced_calls: number;
  models: string[];
  /** The last 5-hour utilization Anthropic reported in it (0..1), null when none. */
  utilization: number | null;
  /** Active block only: spend since its first call, per hour / per minute. */
  burn: { usd_per_hour: number; tokens_per_minute: number } | null;
  /** Active block only: where the burn leads by the block's end. */
  projection: { cost_usd: number; total_tokens: number } | null;
}

export interface BlocksQuery {
  /** Blocks ending after this are returned (their calls are read from 5 h before). */
  since: number;
  until?: number;
  now: number;
  /** Exact filters: a provider, a project, an API-key fingerprint (an account). */
  provider?: string;
  project?: string;
  key?: string;
}

/** Epoch seconds (the documented form), epoch ms, or an ISO date; ms out. */
function resetMs(v: unknown): number | null {
  if (v === null || v === undefined || v === "") return null;
  const n = Number(v);
  if (Number.isFinite(n)) return n > 1e12 ? n : n * 1000;
  const t = Date.parse(String(v));
  return Number.isFinite(t) ? t : null;
}

const numOrNull = (v: unknown) => {
  if (v === null || v === undefined || v === "") return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
};

const unified = (field: string) =>
  `CASE WHEN json_valid(rate_limit_json) THEN json_extract(rate_limit_json, '$."anthropic-ratelimit-unified-5h-${field}"') END`;

/** Model calls (not blocked, not self-tests) in `[from, to)` by minute, model and reset. */
export function loadBlockCalls(
  db: DatabaseSync,
  from: number,
  to: number,
  filter: Pick<BlocksQuery, "provider" | "project" | "key"> = {},
): BlockCall[] {
  const terms = ["self_test = 0", "started_at >= ?", "started_at < ?"];
  const params: (string | number)[] = [from, to];
  terms.push(`endpoint IN (${MODEL_CALL_ENDPOINTS.map(() => "?").join(", ")})`);
  params.push(...MODEL_CALL_ENDPOINTS);
  const policy = db.prepare("SELECT 1 FROM pragma_table_info('calls') WHERE name = 'policy_action'")
    .get();
  if (policy) terms.push("COALESCE(policy_action, '') != 'block'");
  for (
    const [col, v] of [["provider", filter.provider], ["project", filter.project], [
      "api_key_fp",
      filter.key,
    ]] as const
  ) {
    if (v === undefined) continue;
    terms.push(`${col} = ?`);
    params.push(v);
  }
  const rows = db.prepare(
    `SELECT MIN(started_at) AS at, MAX(started_at) AS last_at, COUNT(*) AS calls,
      COALESCE(response_model, request_model) AS model,
      SUM(COALESCE(input_tokens, 0)) AS input, SUM(COALESCE(output_tokens, 0)) AS output,
      SUM(COALESCE(cache_read_tokens, 0)) AS cache_read,
      SUM(COALESCE(cache_write_5m_tokens, 0) + COALESCE(cache_write_1h_tokens, 0)) AS cache_write,
      COALESCE(SUM(cost_usd), 0) AS cost,
      SUM(cost_usd IS NULL AND usage_completeness != 'none') AS unpriced,
      ${unified("reset")} AS reset, MAX(${unified("utilization")}) AS utilization
    FROM calls WHERE ${terms.join(" AND ")}
    GROUP BY started_at / 60000, model, reset ORDER BY at`,
  ).all(...params);
  return rows.map((r) => ({
    at: Number(r.at),
    lastAt: Number(r.last_at),
    calls: Number(r.calls),
    model: r.model === null ? null : String(r.model),
    input: Number(r.input),
    output: Number(r.output),
    cacheRead: Number(r.cache_read),
    cacheWrite: Number(r.cache_write),
    cost: Number(r.cost),
    unpriced: Number(r.unpriced),
    reset: resetMs(r.reset),
    utilization: numOrNull(r.utilization),
  }));
}

interface Window {
  start: number;
  end: number;
  aligned: UsageBlock["aligned"];
  calls: BlockCall[];
}

/** The windows the reset headers name, drift merged, oldest first. */
function anchoredWindows(calls: readonly BlockCall[]): Window[] {
  const resets = [...new Set(calls.flatMap((c) => (c.reset === null ? [] : [c.reset])))]
    .sort((a, b) => a - b);
  const out: Window[] = [];
  for (const r of resets) {
    const last = out[out.length - 1];
    if (last && r - last.end <= DRIFT_MS) {
      last.end = r;
      last.start = r - BLOCK_MS;
    } else out.push({ start: r - BLOCK_MS, end: r, aligned: "anthropic_reset", calls: [] });
  }
  return out;
}

const round9 = (usd: number) => Math.round(usd * 1e9) / 1e9;

/** Cuts calls (oldest first) into blocks, oldest first. */
export function cutBlocks(calls: readonly BlockCall[], now: number): UsageBlock[] {
  const anchored = anchoredWindows(calls);
  const windowOfReset = (reset: number) =>
    anchored.find((w) => reset >= w.end - DRIFT_MS && reset <= w.end + DRIFT_MS);
  const heuristic: Window[] = [];
  for (const c of calls) {
    const own = c.reset === null ? undefined : windowOfReset(c.reset);
    const holding = own ?? anchored.find((w) => c.at >= w.start && c.at < w.end);
    if (holding) {
      holding.calls.push(c);
      continue;
    }
    const current = heuristic[heuristic.length - 1];
    if (current && c.at < current.end) {
      current.calls.push(c);
      continue;
    }
    let start = Math.floor(c.at / HOUR) * HOUR;
    for (const w of anchored) if (start >= w.start && start < w.end) start = w.end;
    if (current && start < current.end) start = current.end;
    let end = start + BLOCK_MS;
    for (const w of anchored) if (w.start > c.at && w.start < end) end = w.start;
    heuristic.push({ start, end, aligned: "first_call", calls: [c] });
  }
  return [...anchored, ...heuristic]
    .filter((w) => w.calls.length > 0)
    .sort((a, b) => a.start - b.start || a.end - b.end)
    .map((w) => summarizeWindow(w, now));
}

function summarizeWindow(w: Window, now: number): UsageBlock {
  const calls = w.calls;
  let n = 0, input = 0, output = 0, cacheRead = 0, cacheWrite = 0, cost = 0, unpriced = 0;
  let first = Infinity;
  let last = -Infinity;
  const models = new Set<string>();
  let utilization: number | null = null;
  for (const c of calls) {
    n += c.calls;
    input += c.input;
    output += c.output;
    cacheRead += c.cacheRead;
    cacheWrite += c.cacheWrite;
    cost += c.cost;
    unpriced += c.unpriced;
    first = Math.min(first, c.at);
    last = Math.max(last, c.lastAt);
    if (c.model) models.add(c.model);
    if (c.utilization !== null) utilization = Math.max(utilization ?? 0, c.utilization);
  }
  const active = now >= w.start && now < w.end;
  const tokens = input + output;
  let burn: UsageBlock["burn"] = null;
  let projection: UsageBlock["projection"] = null;
  if (active) {
    // Since the first call, not the block's start: a block starts on the hour, the work later.
    const elapsed = Math.max(now - first, 60_000);
    const usdPerHour = cost / (elapsed / HOUR);
    const tokensPerMinute = tokens / (elapsed / 60_000);
    burn = { usd_per_hour: round9(usdPerHour), tokens_per_minute: Math.round(tokensPerMinute) };
    const left = w.end - now;
    projection = {
      cost_usd: round9(cost + usdPerHour * (left / HOUR)),
      total_tokens: Math.round(tokens + tokensPerMinute * (left / 60_000)),
    };
  }
  return {
    start: w.start,
    end: w.end,
    aligned: w.aligned,
    active,
    first_call_at: first,
    last_call_at: last,
    calls: n,
    input_tokens: input,
    output_tokens: output,
    cache_read_tokens: cacheRead,
    cache_write_tokens: cacheWrite,
    total_tokens: tokens,
    cost_usd: round9(cost),
    unpriced_calls: unpriced,
    models: [...models].sort(),
    utilization,
    burn,
    projection,
  };
}

/** The blocks that end after `since` (and start before `until`), oldest first. */
export function usageBlocks(db: DatabaseSync, q: BlocksQuery): UsageBlock[] {
  const until = q.until ?? Number.MAX_SAFE_INTEGER;
  const calls = loadBlockCalls(db, q.since - BLOCK_MS, until, q);
  return cutBlocks(calls, q.now).filter((b) => b.end > q.since && b.start < until);
}
