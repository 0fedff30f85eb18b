/**
 * `halton-meter reconcile claude-code|codex [--dir DIR] [--since WHEN] [--until WHEN] [--tz ZONE]
 * [--dedupe first|last] [--json]`
 *
 * What a client's own logs say it spent, against what went over the wire. Claude Code's session
 * logs (`~/.claude/projects`) name each response by `requestId` and `message.id`, which the
 * calls table has as `provider_request_id` and `response_id`: entries are matched call by call.
 * Codex CLI's session logs (`~/.codex/sessions`) carry each response's token counts but no id:
 * entries are matched by time (within 2 minutes of the call's end) and input tokens. Per day and
 * model: calls, tokens and cost on each side (both priced with our prices), calls only one side
 * has, and matched calls whose tokens differ; then those calls, listed. Metered calls from other
 * clients are not expected in the logs (only used to match entries).
 */
import { homePaths } from "../../core/mod.ts";
import { readDatabase } from "../usage/_database.ts";
import { parseSpan, resolveTimeZone } from "../usage/parse_span.ts";
import { loadWireCalls } from "./load_wire_calls.ts";
import { type Dedupe, readClaudeCodeLogs } from "./read_claude_code_logs.ts";
import { readCodexLogs } from "./read_codex_logs.ts";
import { reconcileCalls } from "./reconcile_calls.ts";
import { renderReconcile } from "./render_reconcile.ts";
import type { LogScan, WireCall } from "./types.ts";

export type ReconcileSource = "claude-code" | "codex";

export interface ReconcileCliOptions {
  home: string;
  source: ReconcileSource;
  /** Default: ~/.claude/projects ($CLAUDE_CONFIG_DIR/projects), ~/.codex/sessions ($CODEX_HOME). */
  dir?: string;
  since?: string;
  until?: string;
  timeZone?: string;
  dedupe: string;
  json: boolean;
  colour: boolean;
  env: { get(key: string): string | undefined };
  print: (line: string) => void;
  printError: (line: string) => void;
}

export interface ReconcileDeps {
  now(): number;
}

const SOURCES = {
  "claude-code": {
    provider: "anthropic",
    client: "claude-code",
    logEndpoint: { provider: "anthropic", host: "api.anthropic.com", path: "/v1/messages" },
  },
  codex: {
    provider: "openai",
    client: "codex-cli",
    logEndpoint: { provider: "openai", host: "api.openai.com", path: "/v1/responses" },
  },
} as const;

/** Where the client keeps its logs by default. */
export function defaultLogDir(
  source: ReconcileSource,
  env: { get(key: string): string | undefined },
): string {
  const home = env.get("HOME") ?? env.get("USERPROFILE") ?? ".";
  if (source === "codex") return `${env.get("CODEX_HOME") ?? `${home}/.codex`}/sessions`;
  return `${env.get("CLAUDE_CONFIG_DIR") ?? `${home}/.claude`}/projects`;
}

/** A call's row can land a little before the span (it started earlier than it was logged). */
const EDGE_MS = 3_600_000;

export async function runReconcile(
  opts: ReconcileCliOptions,
  deps: ReconcileDeps = { now: Date.now },
): Promise<number> {
  const name = `halton-meter reconcile ${opts.source}`;
  const fail = (message: string) => {
    opts.printError(`${name}: ${message}`);
    return 2;
  };
  const zone = resolveTimeZone(opts.timeZone);
  if (!zone.ok) return fail(zone.message);
  const { timeZone } = zone;
  if (opts.dedupe !== "first" && opts.dedupe !== "last") {
    return fail(`--dedupe "${opts.dedupe}": use first (as ccusage) or last`);
  }
  const parsed = parseSpan({ since: opts.since ?? "7d", until: opts.until }, deps.now(), timeZone);
  if (!parsed.ok) return fail(parsed.message);
  const { since, until } = parsed.span;
  const dir = opts.dir ?? defaultLogDir(opts.source, opts.env);
  const src = SOURCES[opts.source];

  let scan: LogScan;
  try {
    scan = opts.source === "codex"
      ? await readCodexLogs(dir, { since, until: until ?? undefined })
      : await readClaudeCodeLogs(dir, {
        since,
        until: until ?? undefined,
        dedupe: opts.dedupe as Dedupe,
      });
  } catch (err) {
    opts.printError(`${name}: cannot read the logs under ${dir}: ${(err as Error).message}`);
    return 1;
  }
  if (scan.files === 0) {
    opts.printError(
      `${name}: no log files under ${dir}${opts.dir ? "" : " (give their directory with --dir)"}`,
    );
  }
  const path = homePaths(opts.home).db;
  let wire: WireCall[];
  try {
    wire = readDatabase(path, (db) =>
      loadWireCalls(db, {
        provider: src.provider,
        since: since - EDGE_MS,
        until: until === null ? undefined : until + EDGE_MS,
      })) ?? [];
  } catch (err) {
    opts.printError(
      `${name}: cannot read ${path}: ${(err as Error).message}; run \`halton-meter doctor\``,
    );
    return 1;
  }
  const result = reconcileCalls(scan.calls, wire, {
    timeZone,
    match: opts.source === "codex" ? "time_and_input" : "ids",
    expected: (w) => w.client === src.client,
    since,
    until: until ?? undefined,
    logEndpoint: src.logEndpoint,
  });
  opts.print(renderReconcile(
    result,
    {
      source: opts.source,
      dir,
      since,
      until,
      timeZone,
      dedupe: opts.source === "codex" ? null : opts.dedupe as Dedupe,
      matchedBy: opts.source === "codex" ? "time_and_input" : "ids",
      scan,
    },
    opts.json ? "json" : "table",
    opts.colour,
  ));
  return 0;
}
