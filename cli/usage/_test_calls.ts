/**
 * Test support for the report commands: call records built from a few fields, a database seeded
 * with them through the real schema, and golden files (`UPDATE_GOLDEN=1` rewrites them).
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { type CallRecord, emptyUsage } from "../../core/mod.ts";
import { insertCalls } from "../../daemon/store/mod.ts";

export interface CallSpec {
  at: number;
  model?: string | null;
  provider?: string;
  endpoint?: string;
  project?: string | null;
  client?: string | null;
  key?: string | null;
  input?: number;
  output?: number;
  cacheRead?: number;
  cacheWrite?: number;
  cacheWrite1h?: number;
  cost?: number | null;
  /** Default: /v1/messages, /v1/responses for OpenAI, the telemetry path for `other`. */
  path?: string;
  blocked?: boolean;
  requestId?: string | null;
  responseId?: string | null;
  rateLimit?: Record<string, string> | null;
  selfTest?: boolean;
}

let seq = 0;

export function callRecord(s: CallSpec): CallRecord {
  const provider = s.provider ?? "anthropic";
  const endpoint = s.endpoint ?? "messages";
  const model = s.model === undefined ? "claude-sonnet-4-5" : s.model;
  const isModelCall = endpoint !== "other" && !s.blocked;
  const host = provider === "openai" ? "api.openai.com" : "api.anthropic.com";
  return {
    id: `t${String(++seq).padStart(7, "0")}`,
    startedAt: s.at,
    endedAt: s.at + 800,
    durationMs: 800,
    ttfbMs: 200,
    provider,
    host,
    method: "POST",
    path: s.path ??
      (endpoint === "other"
        ? "/api/event_logging/batch"
        : provider === "openai"
        ? "/v1/responses"
        : "/v1/messages"),
    endpoint,
    requestModel: endpoint === "other" ? null : model,
    stream: false,
    status: s.blocked ? 402 : 200,
    usage: isModelCall
      ? {
        ...emptyUsage(),
        inputTokens: s.input ?? 1000,
        outputTokens: s.output ?? 100,
        cacheReadTokens: s.cacheRead ?? 0,
        cacheWrite5mTokens: s.cacheWrite ?? 0,
        cacheWrite1hTokens: s.cacheWrite1h ?? 0,
        responseModel: model,
        responseId: s.responseId ?? null,
        completeness: "complete",
      }
      : emptyUsage(),
    cost: {
      totalUsd: isModelCall ? (s.cost === undefined ? 0.001 : s.cost) : s.blocked ? 0 : null,
      inputUsd: null,
      cacheReadUsd: null,
      cacheWriteUsd: null,
      outputUsd: null,
      unpricedReason: isModelCall && s.cost === null ? "unpriced" : null,
      priceVersion: "test",
    },
    project: s.project === undefined ? "alpha" : s.project,
    projectSource: s.project === null ? null : "proxy_auth",
    client: s.client === undefined ? "claude-code" : s.client,
    apiKeyFingerprint: s.key === undefined ? "a1b2c3d4" : s.key,
    providerRequestId: s.requestId ?? null,
    rateLimit: s.rateLimit ?? null,
    bytesUp: 100,
    bytesDown: 100,
    selfTest: s.selfTest ?? false,
    policy: s.blocked
      ? { action: "block", id: "rule:no", message: "blocked" }
      : { action: "allow", id: null, message: null },
  };
}

/** A temp home whose `db.sqlite` holds these calls; `cleanup()` removes it. */
export async function seededHome(
  calls: CallSpec[],
): Promise<{ home: string; db: string; cleanup(): Promise<void> }> {
  const home = await Deno.makeTempDir({ prefix: "hm-report-" });
  const path = `${home}/db.sqlite`;
  const db = new DatabaseSync(path);
  try {
    db.exec("PRAGMA journal_mode = WAL");
    insertCalls(db, calls.map(callRecord));
  } finally {
    db.close();
  }
  return { home, db: path, cleanup: () => Deno.remove(home, { recursive: true }) };
}

/** Compares with `testdata/<name>` beside the calling test; `UPDATE_GOLDEN=1` rewrites it. */
export function assertGolden(dir: URL, name: string, actual: string): void {
  const path = new URL(`testdata/${name}`, dir).pathname;
  if (Deno.env.get("UPDATE_GOLDEN") === "1") {
    Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    Deno.writeTextFileSync(path, actual);
    return;
  }
  let expected: string;
  try {
    expected = Deno.readTextFileSync(path);
  } catch (err) {
    throw new Error(`Cannot read golden file ${path}: run the test with UPDATE_GOLDEN=1`, {
      cause: err,
    });
  }
  assert.equal(actual, expected, `output differs from ${path}`);
}

/** A CSV reader written apart from the writer (RFC 4180 quoting), to read the output back. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let i = 0;
  const endField = () => {
    row.push(field);
    field = "";
  };
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else field += c;
      i++;
      continue;
    }
    if (c === '"' && field === "") quoted = true;
    else if (c === ",") endField();
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      endField();
      rows.push(row);
      row = [];
    } else field += c;
    i++;
  }
  if (field !== "" || row.length) {
    endField();
    rows.push(row);
  }
  return rows;
}
