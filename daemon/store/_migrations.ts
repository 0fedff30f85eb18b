import type { DatabaseSync } from "node:sqlite";

/**
 * Schema migrations, applied in order; `PRAGMA user_version` = how many have run.
 * Append only: a shipped entry is never edited (databases in the field already ran
 * it). New columns must be nullable or have a DEFAULT, so an older binary that names
 * its columns explicitly keeps writing to a newer database. See docs/SCHEMA.md.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: the calls table.
  `CREATE TABLE calls (
    id TEXT PRIMARY KEY NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    ttfb_ms INTEGER,
    provider TEXT NOT NULL,
    host TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    request_model TEXT,
    response_model TEXT,
    stream INTEGER NOT NULL,
    status INTEGER,
    error_type TEXT,
    error_message TEXT,
    input_tokens INTEGER,
    output_tokens INTEGER,
    cache_read_tokens INTEGER,
    cache_write_5m_tokens INTEGER,
    cache_write_1h_tokens INTEGER,
    reasoning_tokens INTEGER,
    web_search_requests INTEGER,
    web_fetch_requests INTEGER,
    service_tier TEXT,
    response_id TEXT,
    usage_completeness TEXT NOT NULL,
    cost_usd REAL,
    cost_input_usd REAL,
    cost_cache_read_usd REAL,
    cost_cache_write_usd REAL,
    cost_output_usd REAL,
    unpriced_reason TEXT,
    price_version TEXT,
    provider_cost_usd REAL,
    project TEXT,
    project_source TEXT,
    client TEXT,
    api_key_fp TEXT,
    provider_request_id TEXT,
    rate_limit_json TEXT,
    bytes_up INTEGER NOT NULL,
    bytes_down INTEGER NOT NULL,
    self_test INTEGER NOT NULL
  );
  CREATE INDEX calls_started_at ON calls (started_at, id);
  CREATE INDEX calls_project ON calls (project, started_at);
  CREATE INDEX calls_request_model ON calls (request_model, started_at);
  CREATE INDEX calls_response_model ON calls (response_model, started_at);
  CREATE INDEX calls_provider ON calls (provider, started_at);`,
  // 2: what policy decided for the call (docs/POLICY.md).
  `ALTER TABLE calls ADD COLUMN policy_action TEXT;
  ALTER TABLE calls ADD COLUMN policy_id TEXT;
  ALTER TABLE calls ADD COLUMN policy_message TEXT;`,
  // 3: 15-minute roll-ups for reports over months of rows (docs/SCHEMA.md), kept by a trigger
  // (INSERT OR IGNORE of a replayed row does not fire it), filled from the rows already there.
  `CREATE TABLE rollup_15m (
    bucket INTEGER NOT NULL,
    provider TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    model TEXT NOT NULL,
    project TEXT NOT NULL,
    client TEXT NOT NULL,
    api_key_fp TEXT NOT NULL,
    blocked INTEGER NOT NULL,
    calls INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cache_read_tokens INTEGER NOT NULL,
    cache_write_tokens INTEGER NOT NULL,
    reasoning_tokens INTEGER NOT NULL,
    cost_usd REAL NOT NULL,
    unpriced_calls INTEGER NOT NULL,
    PRIMARY KEY (bucket, provider, endpoint, model, project, client, api_key_fp, blocked)
  ) WITHOUT ROWID;
  CREATE TRIGGER calls_rollup_15m AFTER INSERT ON calls WHEN NEW.self_test = 0 BEGIN
    INSERT INTO rollup_15m VALUES (
      NEW.started_at / 900000, NEW.provider, NEW.endpoint,
      COALESCE(NEW.response_model, NEW.request_model, ''), COALESCE(NEW.project, ''),
      COALESCE(NEW.client, ''), COALESCE(NEW.api_key_fp, ''),
      COALESCE(NEW.policy_action = 'block', 0), 1,
      COALESCE(NEW.input_tokens, 0), COALESCE(NEW.output_tokens, 0),
      COALESCE(NEW.cache_read_tokens, 0),
      COALESCE(NEW.cache_write_5m_tokens, 0) + COALESCE(NEW.cache_write_1h_tokens, 0),
      COALESCE(NEW.reasoning_tokens, 0), COALESCE(NEW.cost_usd, 0),
      NEW.cost_usd IS NULL AND NEW.usage_completeness != 'none'
    ) ON CONFLICT DO UPDATE SET
      calls = calls + 1,
      input_tokens = input_tokens + excluded.input_tokens,
      output_tokens = output_tokens + excluded.output_tokens,
      cache_read_tokens = cache_read_tokens + excluded.cache_read_tokens,
      cache_write_tokens = cache_write_tokens + excluded.cache_write_tokens,
      reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
      cost_usd = cost_usd + excluded.cost_usd,
      unpriced_calls = unpriced_calls + excluded.unpriced_calls;
  END;
  INSERT INTO rollup_15m
    SELECT started_at / 900000, provider, endpoint,
      COALESCE(response_model, request_model, ''), COALESCE(project, ''), COALESCE(client, ''),
      COALESCE(api_key_fp, ''), COALESCE(policy_action = 'block', 0), COUNT(*),
      COALESCE(SUM(input_tokens), 0), COALESCE(SUM(output_tokens), 0),
      COALESCE(SUM(cache_read_tokens), 0),
      COALESCE(SUM(cache_write_5m_tokens), 0) + COALESCE(SUM(cache_write_1h_tokens), 0),
      COALESCE(SUM(reasoning_tokens), 0), COALESCE(SUM(cost_usd), 0),
      SUM(cost_usd IS NULL AND usage_completeness != 'none')
    FROM calls WHERE self_test = 0 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;`,
  // 4: narrower 15-minute roll-ups for the dashboard and reports that group or filter by model
  // (and provider) only, or by project only: rollup_15m keys every dimension, so a month of a
  // million varied calls is hundreds of thousands of its rows; these are tens of thousands.
  // `kind` is model, other or blocked (report.ts). Filled from rollup_15m.
  `CREATE TABLE rollup_15m_model (
    bucket INTEGER NOT NULL,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    kind TEXT NOT NULL,
    calls INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cache_read_tokens INTEGER NOT NULL,
    cache_write_tokens INTEGER NOT NULL,
    reasoning_tokens INTEGER NOT NULL,
    cost_usd REAL NOT NULL,
    unpriced_calls INTEGER NOT NULL,
    PRIMARY KEY (bucket, provider, model, kind)
  ) WITHOUT ROWID;
  CREATE TABLE rollup_15m_project (
    bucket INTEGER NOT NULL,
    project TEXT NOT NULL,
    kind TEXT NOT NULL,
    calls INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cache_read_tokens INTEGER NOT NULL,
    cache_write_tokens INTEGER NOT NULL,
    reasoning_tokens INTEGER NOT NULL,
    cost_usd REAL NOT NULL,
    unpriced_calls INTEGER NOT NULL,
    PRIMARY KEY (bucket, project, kind)
  ) WITHOUT ROWID;
  CREATE TRIGGER calls_rollup_15m_model AFTER INSERT ON calls WHEN NEW.self_test = 0 BEGIN
    INSERT INTO rollup_15m_model VALUES (
      NEW.started_at / 900000, NEW.provider, COALESCE(NEW.response_model, NEW.request_model, ''),
      CASE WHEN NEW.policy_action = 'block' THEN 'blocked'
        WHEN NEW.endpoint IN ('messages', 'chat_completions', 'responses', 'generate_content',
          'realtime') THEN 'model' ELSE 'other' END,
      1,
      COALESCE(NEW.input_tokens, 0), COALESCE(NEW.output_tokens, 0),
      COALESCE(NEW.cache_read_tokens, 0),
      COALESCE(NEW.cache_write_5m_tokens, 0) + COALESCE(NEW.cache_write_1h_tokens, 0),
      COALESCE(NEW.reasoning_tokens, 0), COALESCE(NEW.cost_usd, 0),
      NEW.cost_usd IS NULL AND NEW.usage_completeness != 'none'
    ) ON CONFLICT DO UPDATE SET
      calls = calls + 1,
      input_tokens = input_tokens + excluded.input_tokens,
      output_tokens = output_tokens + excluded.output_tokens,
      cache_read_tokens = cache_read_tokens + excluded.cache_read_tokens,
      cache_write_tokens = cache_write_tokens + excluded.cache_write_tokens,
      reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
      cost_usd = cost_usd + excluded.cost_usd,
      unpriced_calls = unpriced_calls + excluded.unpriced_calls;
  END;
  CREATE TRIGGER calls_rollup_15m_project AFTER INSERT ON calls WHEN NEW.self_test = 0 BEGIN
    INSERT INTO rollup_15m_project VALUES (
      NEW.started_at / 900000, COALESCE(NEW.project, ''),
      CASE WHEN NEW.policy_action = 'block' THEN 'blocked'
        WHEN NEW.endpoint IN ('messages', 'chat_completions', 'responses', 'generate_content',
          'realtime') THEN 'model' ELSE 'other' END,
      1,
      COALESCE(NEW.input_tokens, 0), COALESCE(NEW.output_tokens, 0),
      COALESCE(NEW.cache_read_tokens, 0),
      COALESCE(NEW.cache_write_5m_tokens, 0) + COALESCE(NEW.cache_write_1h_tokens, 0),
      COALESCE(NEW.reasoning_tokens, 0), COALESCE(NEW.cost_usd, 0),
      NEW.cost_usd IS NULL AND NEW.usage_completeness != 'none'
    ) ON CONFLICT DO UPDATE SET
      calls = calls + 1,
      input_tokens = input_tokens + excluded.input_tokens,
      output_tokens = output_tokens + excluded.output_tokens,
      cache_read_tokens = cache_read_tokens + excluded.cache_read_tokens,
      cache_write_tokens = cache_write_tokens + excluded.cache_write_tokens,
      reasoning_tokens = reasoning_tokens + excluded.reasoning_tokens,
      cost_usd = cost_usd + excluded.cost_usd,
      unpriced_calls = unpriced_calls + excluded.unpriced_calls;
  END;
  INSERT INTO rollup_15m_model
    SELECT bucket, provider, model,
      CASE WHEN blocked THEN 'blocked'
        WHEN endpoint IN ('messages', 'chat_completions', 'responses', 'generate_content',
          'realtime') THEN 'model' ELSE 'other' END,
      SUM(calls), SUM(input_tokens), SUM(output_tokens),
      SUM(cache_read_tokens), SUM(cache_write_tokens), SUM(reasoning_tokens), SUM(cost_usd),
      SUM(unpriced_calls)
    FROM rollup_15m GROUP BY 1, 2, 3, 4;
  INSERT INTO rollup_15m_project
    SELECT bucket, project,
      CASE WHEN blocked THEN 'blocked'
        WHEN endpoint IN ('messages', 'chat_completions', 'responses', 'generate_content',
          'realtime') THEN 'model' ELSE 'other' END,
      SUM(calls), SUM(input_tokens), SUM(output_tokens),
      SUM(cache_read_tokens), SUM(cache_write_tokens), SUM(reasoning_tokens), SUM(cost_usd),
      SUM(unpriced_calls)
    FROM rollup_15m GROUP BY 1, 2, 3;`,
];

function userVersion(db: DatabaseSync): number {
  const row = db.prepare("PRAGMA user_version").get();
  const v = row?.user_version;
  return typeof v === "number" ? v : 0;
}

/**
 * Runs the migrations the database has not seen, each in its own transaction with its
 * `user_version` bump, so a crash mid-way leaves a consistent version. A database from
 * a newer binary (higher version) is used as is. Returns the resulting version.
 */
export function migrate(db: DatabaseSync, migrations: readonly string[] = MIGRATIONS): number {
  let version = userVersion(db);
  while (version < migrations.length) {
    db.exec("BEGIN IMMEDIATE");
    try {
      db.exec(migrations[version]);
      // PRAGMA takes no bound parameters; `version` is our own integer.
      db.exec(`PRAGMA user_version = ${version + 1}`);
      db.exec("COMMIT");
    } catch (error) {
      if (db.isTransaction) db.exec("ROLLBACK");
      throw new Error(`Cannot migrate the database to schema version ${version + 1}`, {
        cause: error,
      });
    }
    version += 1;
  }
  return version;
}
