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
