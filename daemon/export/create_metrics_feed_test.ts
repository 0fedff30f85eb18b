import assert from "node:assert/strict";
import { createMetricsFeed } from "./create_metrics_feed.ts";
import { createMetricsState, zeroCounters } from "./metrics_state.ts";
import { metricRow } from "./_test_metric_row.ts";
import type { MetricRow, MetricTotals } from "../store/mod.ts";

/** A database as the feed sees it: rows by rowid (index + 1), totals summed from them. */
function fakeDb(ids: string[], project: string, cost: number): MetricRow[] {
  return ids.map((id, i) => metricRow(i + 1, { id, project, cost_usd: cost }));
}

function totalsOf(rows: MetricRow[]): MetricTotals {
  const groups = new Map<string, MetricTotals["rows"][number]>();
  for (const r of rows) {
    const g = groups.get(r.project) ?? {
      provider: r.provider,
      model: r.model,
      project: r.project,
      client: r.client,
      ...zeroCounters(),
      first_bucket: 1,
    };
    g.calls++;
    g.input_tokens += r.input_tokens;
    g.output_tokens += r.output_tokens;
    g.cost_usd += r.cost_usd ?? 0;
    groups.set(r.project, g);
  }
  const last = rows.at(-1);
  return { rows: [...groups.values()], lastRowid: last?.rowid ?? 0, lastId: last?.id ?? null };
}

Deno.test("metrics feed: follows new rows, and reads the totals again when the database is replaced", () => {
  let db = fakeDb(["a1", "a2", "a3"], "old", 1);
  const logs: string[] = [];
  const feed = createMetricsFeed({
    store: {
      metricTotals: () => totalsOf(db),
      metricRowsAfter: (rowid, limit) => db.filter((r) => r.rowid > rowid).slice(0, limit),
      metricIdAt: (rowid) => db.find((r) => r.rowid === rowid)?.id ?? null,
    },
    state: createMetricsState({ maxLabelValues: 50, startedAt: 0 }),
    log: (m) => logs.push(m),
  });
  const byProject = () =>
    Object.fromEntries(
      feed.snapshot().counters.map((c) => [c.labels.project, [c.values.calls, c.values.cost_usd]]),
    );
  try {
    assert.deepEqual(byProject(), { old: [3, 3] });
    db = [...db, ...fakeDb(["a1", "a2", "a3", "a4"], "old", 1).slice(3)];
    assert.deepEqual(byProject(), { old: [4, 4] });
    assert.deepEqual(logs, []);
    // A new database (moved aside, restored, recreated): rowids start again from 1.
    db = fakeDb(["b1", "b2"], "new", 2);
    assert.deepEqual(byProject(), { new: [2, 4] });
    assert.equal(logs.length, 1, logs.join("\n"));
    assert.match(logs[0], /database changed under the feed/);
    // It grows past the old position: every row counted once.
    db = fakeDb(["b1", "b2", "b3", "b4", "b5", "b6"], "new", 2);
    assert.deepEqual(byProject(), { new: [6, 12] });
    // VACUUM renumbering the same calls: the totals are the same after reading them again.
    db = fakeDb(["b2", "b3", "b4", "b5", "b6"], "new", 2);
    assert.deepEqual(byProject(), { new: [5, 10] });
    assert.equal(logs.length, 2);
  } finally {
    feed.close();
  }
});
