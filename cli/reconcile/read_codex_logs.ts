/**
 * Codex CLI's session logs (`~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl`): one
 * `{timestamp, type, payload}` a line. `session_meta` gives the session (`payload.id`,
 * `payload.cwd`), `turn_context` the model of the turns that follow (`payload.model`), and after
 * each model response an `event_msg` with `payload.type: "token_count"` carries
 * `payload.info.last_token_usage` (that response) and `total_token_usage` (the session so far):
 * `input_tokens` (cache included), `cached_input_tokens`, `output_tokens` (reasoning included),
 * `reasoning_output_tokens`, `total_tokens`.
 *
 * Codex writes `token_count` again with an unchanged total (rate-limit refreshes): an event
 * counts only when the session's total moved since the previous one in the file, as that
 * response's `last_token_usage` (the total's difference when `last_token_usage` is absent).
 * The logs carry no request or response id: reconcile matches them by time and input tokens.
 */
import { emptyScan, isRecord, jsonlFiles, num, readJsonl, str } from "./_jsonl.ts";
import type { LogScan } from "./types.ts";

interface CodexUsage {
  input: number;
  cached: number;
  output: number;
  total: number;
}

function usage(v: unknown): CodexUsage | null {
  if (!isRecord(v)) return null;
  return {
    input: num(v.input_tokens),
    cached: num(v.cached_input_tokens),
    output: num(v.output_tokens),
    total: num(v.total_tokens),
  };
}

const same = (a: CodexUsage, b: CodexUsage) =>
  a.input === b.input && a.cached === b.cached && a.output === b.output && a.total === b.total;

export async function readCodexLogs(
  dir: string,
  o: { since?: number; until?: number },
): Promise<LogScan> {
  const files = await jsonlFiles(dir, {
    modifiedSince: o.since,
    accept: (name) => name.startsWith("rollout-"),
  });
  const scan = emptyScan(files.length);
  for (const file of files) {
    let session: string | null = null;
    let cwd: string | null = null;
    let model: string | null = null;
    let previous: CodexUsage | null = null;
    for await (const { line, value } of readJsonl(file)) {
      scan.lines++;
      if (value === undefined) {
        scan.unreadable++;
        continue;
      }
      if (!isRecord(value) || !isRecord(value.payload)) continue;
      const p = value.payload;
      if (value.type === "session_meta") {
        session = str(p.id) ?? session;
        cwd = str(p.cwd) ?? cwd;
      } else if (value.type === "turn_context") {
        model = str(p.model) ?? model;
      } else if (value.type === "event_msg" && p.type === "token_count" && isRecord(p.info)) {
        const total = usage(p.info.total_token_usage);
        const last = usage(p.info.last_token_usage);
        if (total && previous && same(total, previous)) {
          scan.duplicates++;
          continue;
        }
        const u = last ?? (total && {
          input: total.input - (previous?.input ?? 0),
          cached: total.cached - (previous?.cached ?? 0),
          output: total.output - (previous?.output ?? 0),
          total: total.total - (previous?.total ?? 0),
        });
        if (total) previous = total;
        if (!u) continue;
        const at = Date.parse(String(value.timestamp));
        if (!Number.isFinite(at)) continue;
        scan.entries++;
        if (o.since !== undefined && at < o.since) continue;
        if (o.until !== undefined && at >= o.until) continue;
        scan.calls.push({
          at,
          file,
          line,
          session,
          cwd,
          requestId: null,
          messageId: null,
          model,
          tokens: {
            input: u.input,
            output: u.output,
            cacheRead: u.cached,
            cacheWrite5m: 0,
            cacheWrite1h: 0,
          },
          serviceTier: null,
        });
      }
    }
  }
  scan.calls.sort((a, b) => a.at - b.at);
  return scan;
}
