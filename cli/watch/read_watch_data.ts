/**
 * What `watch` shows, read afresh each tick: today's totals, the active block and the last model
 * calls straight from the database (so it works while the daemon is stopped, and a call shows
 * as soon as its row is committed), and budgets from the daemon's `/v1/budgets` (what is being
 * enforced), or computed from the database when the daemon does not answer (then only every
 * 5 seconds: that is a policy engine built from scratch).
 */
import { calendarBounds, homePaths } from "../../core/mod.ts";
import { listCalls, MODEL_CALL_ENDPOINTS, report, usageBlocks } from "../../daemon/store/mod.ts";
import { type PolicyView, type PolicyViewDeps, readPolicyView } from "../policy/mod.ts";
import { readDatabase } from "../usage/_database.ts";
import type { WatchData } from "./render_frame.ts";

export interface WatchSource {
  read(now: number): Promise<WatchData>;
}

export interface WatchSourceOptions {
  home: string;
  timeZone: string;
  /** Model calls listed (the frame shows what fits). */
  calls?: number;
  policy?: PolicyViewDeps;
  readPolicyView?: (home: string, deps?: PolicyViewDeps) => Promise<PolicyView>;
}

const DATABASE_BUDGETS_EVERY_MS = 5000;

export function createWatchSource(o: WatchSourceOptions): WatchSource {
  const path = homePaths(o.home).db;
  const readView = o.readPolicyView ?? readPolicyView;
  let view: PolicyView | null = null;
  let viewAt = -Infinity;
  const modelEndpoints: readonly string[] = MODEL_CALL_ENDPOINTS;
  return {
    async read(now) {
      if (view === null || view.source === "daemon" || now - viewAt >= DATABASE_BUDGETS_EVERY_MS) {
        try {
          view = await readView(o.home, o.policy);
          viewAt = now;
        } catch { /* keep the last one; the database part still shows */ }
      }
      const data: WatchData = {
        now,
        timeZone: o.timeZone,
        today: null,
        models: [],
        block: null,
        budgets: view?.budgets ?? [],
        budgetSource: view?.source ?? null,
        calls: [],
      };
      try {
        readDatabase(path, (db) => {
          const day = calendarBounds("day", o.timeZone, now);
          const r = report(db, { since: day.start, groupBy: ["model"], timeZone: o.timeZone });
          data.today = r.totals;
          data.models = r.rows
            .filter((x) => x.calls > 0)
            .map((x) => ({ model: x.keys[0] ?? "(unknown)", cost_usd: x.cost_usd, calls: x.calls }))
            .sort((a, b) => b.cost_usd - a.cost_usd || b.calls - a.calls);
          data.block = usageBlocks(db, { since: now, now }).find((b) => b.active) ?? null;
          // The newest rows, model calls among them (other requests are counted in `today`).
          data.calls = listCalls(db, { limit: 200 }).calls
            .filter((c) => modelEndpoints.includes(c.endpoint))
            .slice(0, o.calls ?? 100);
        });
      } catch (err) {
        data.error = (err as Error).message;
      }
      return data;
    },
  };
}
