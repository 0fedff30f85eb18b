/**
 * Fills a fresh `db.sqlite` with generated calls for `bench dashboard`: the real schema (made by
 * `openStore`, migrations included), rows inserted in big transactions so the `rollup_15m`
 * trigger fills the roll-ups exactly as the daemon's writer does. Deterministic (seeded).
 */
import { DatabaseSync } from "node:sqlite";
import { openStore } from "../../daemon/store/mod.ts";

const MODELS: [provider: string, host: string, endpoint: string, model: string, inUsd: number][] = [
  ["anthropic", "api.anthropic.com", "messages", "claude-sonnet-4-5-20250929", 3e-6],
  ["anthropic", "api.anthropic.com", "messages", "claude-haiku-4-5-20251001", 1e-6],
  ["anthropic", "api.anthropic.com", "messages", "claude-opus-4-1-20250805", 15e-6],
  ["openai", "api.openai.com", "chat_completions", "gpt-4.1-mini", 0.4e-6],
  ["openai", "api.openai.com", "responses", "gpt-5", 1.25e-6],
  ["openai", "api.openai.com", "chat_completions", "gpt-4o", 2.5e-6],
  ["gemini", "generativelanguage.googleapis.com", "generate_content", "gemini-2.5-pro", 1.25e-6],
  ["gemini", "generativelanguage.googleapis.com", "generate_content", "gemini-2.5-flash", 0.3e-6],
];
const PROJECTS = Array.from({ length: 12 }, (_, i) => `project-${i}`);
const CLIENTS = ["claude-code", "curl", "anthropic-sdk-python", "openai-sdk-node"];
const KEYS = ["a1b2c3d4", "e5f6a7b8", "0c1d2e3f"];

/** Small, fast, seeded PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const COLUMNS = [
  "id",
  "started_at",
  "ended_at",
  "duration_ms",
  "ttfb_ms",
  "provider",
  "host",
  "method",
  "path",
  "endpoint",
  "request_model",
  "response_model",
  "stream",
  "status",
  "input_tokens",
  "output_tokens",
  "cache_read_tokens",
  "cache_write_5m_tokens",
  "usage_completeness",
  "cost_usd",
  "cost_input_usd",
  "cost_output_usd",
  "price_version",
  "project",
  "project_source",
  "client",
  "api_key_fp",
  "bytes_up",
  "bytes_down",
  "self_test",
  "policy_action",
];

/**
 * Writes `rows` calls spread evenly over `[now − spanMs, now)` into `path` (which must not
 * exist). Returns the seconds it took.
 */
export function generateCalls(path: string, rows: number, now: number, spanMs: number): number {
  const t0 = performance.now();
  const dir = path.slice(0, path.lastIndexOf("/"));
  const store = openStore({ path, spoolPath: `${dir}/spool.jsonl`, spoolReserveBytes: 0 });
  store.close();
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = OFF");
  const insert = db.prepare(
    `INSERT INTO calls (${COLUMNS.join(", ")}) VALUES (${COLUMNS.map(() => "?").join(", ")})`,
  );
  const rand = rng(42);
  const step = spanMs / rows;
  const batch = 50_000;
  for (let start = 0; start < rows; start += batch) {
    db.exec("BEGIN");
    for (let i = start; i < Math.min(rows, start + batch); i++) {
      const at = Math.floor(now - spanMs + i * step);
      const [provider, host, endpoint, model, inUsd] = MODELS[Math.floor(rand() * rand() * 8)];
      const other = rand() < 0.03;
      const blocked = !other && rand() < 0.01;
      const input = blocked || other ? 0 : 200 + Math.floor(rand() * 20_000);
      const output = blocked || other ? 0 : 20 + Math.floor(rand() * 2000);
      const inCost = input * inUsd;
      const outCost = output * inUsd * 5;
      const duration = 200 + Math.floor(rand() * 8000);
      insert.run(
        `bench-${String(i).padStart(8, "0")}`,
        at,
        at + duration,
        duration,
        Math.floor(duration / 4),
        provider,
        host,
        "POST",
        other ? "/v1/models" : "/v1/messages",
        other ? "other" : endpoint,
        other ? null : model,
        other || blocked ? null : model,
        rand() < 0.7 ? 1 : 0,
        blocked ? 402 : other ? 200 : rand() < 0.02 ? 529 : 200,
        input,
        output,
        Math.floor(input * rand() * 0.5),
        0,
        other ? "none" : "complete",
        other ? null : inCost + outCost,
        other ? null : inCost,
        other ? null : outCost,
        "genai-prices@bench",
        PROJECTS[Math.floor(rand() * rand() * PROJECTS.length)],
        "process_cwd",
        CLIENTS[Math.floor(rand() * CLIENTS.length)],
        KEYS[Math.floor(rand() * KEYS.length)],
        2000,
        4000,
        0,
        blocked ? "block" : null,
      );
    }
    db.exec("COMMIT");
  }
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  db.close();
  return (performance.now() - t0) / 1000;
}
