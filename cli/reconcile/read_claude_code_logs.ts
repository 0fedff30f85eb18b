/**
 * Claude Code's session logs (`~/.claude/projects/<encoded cwd>/<session>.jsonl`, subagents in
 * `<session>/subagents/*.jsonl`): one JSON object a line; a model response is a line with
 * `type: "assistant"`, `timestamp`, `sessionId`, `cwd`, `requestId` (the response's `request-id`
 * header) and `message: {id, model, usage}` where `usage` has `input_tokens` (uncached),
 * `cache_creation_input_tokens` (split by TTL in `cache_creation.ephemeral_5m/1h_input_tokens`),
 * `cache_read_input_tokens`, `output_tokens`, `service_tier`.
 *
 * One response can be written several times: a streamed message once per content block, with
 * `output_tokens` growing, and again in a resumed or forked session's file. Duplicates are
 * dropped as ccusage drops them: entries with the same `message.id` and `requestId` (the
 * `message.id` alone when there is no `requestId`) count once, the first one in time order
 * (`dedupe: "first"`, ccusage's rule). That keeps the first snapshot of a streamed message, whose
 * output count can be short of the final one; `dedupe: "last"` keeps the last one instead.
 * Messages whose model is `<synthetic>` (written by Claude Code itself, never sent) are skipped.
 */
import { emptyScan, isRecord, jsonlFiles, num, readJsonl, str } from "./_jsonl.ts";
import type { LogCall, LogScan } from "./types.ts";

export type Dedupe = "first" | "last";

export interface ReadLogsOptions {
  /** Entries before this are skipped (and files not written since). */
  since?: number;
  until?: number;
  dedupe: Dedupe;
}

/** The call a line records; null when it records none; "synthetic" for Claude Code's own. */
export function claudeCodeCall(
  value: unknown,
  file: string,
  line: number,
): LogCall | "synthetic" | null {
  if (!isRecord(value) || value.type !== "assistant" || !isRecord(value.message)) return null;
  const m = value.message;
  if (!isRecord(m.usage)) return null;
  if (m.model === "<synthetic>") return "synthetic";
  const at = Date.parse(String(value.timestamp));
  if (!Number.isFinite(at)) return null;
  const u = m.usage;
  const split = isRecord(u.cache_creation) ? u.cache_creation : null;
  const write = num(u.cache_creation_input_tokens);
  const write1h = split ? num(split.ephemeral_1h_input_tokens) : 0;
  const write5m = split ? num(split.ephemeral_5m_input_tokens) : write;
  const read = num(u.cache_read_input_tokens);
  return {
    at,
    file,
    line,
    session: str(value.sessionId),
    cwd: str(value.cwd),
    requestId: str(value.requestId),
    messageId: str(m.id),
    model: str(m.model),
    tokens: {
      // Anthropic counts `input_tokens` without the cache; the calls table with it.
      input: num(u.input_tokens) + Math.max(write, write5m + write1h) + read,
      output: num(u.output_tokens),
      cacheRead: read,
      cacheWrite5m: write5m + Math.max(0, write - write5m - write1h),
      cacheWrite1h: write1h,
    },
    serviceTier: str(u.service_tier),
  };
}

export async function readClaudeCodeLogs(dir: string, o: ReadLogsOptions): Promise<LogScan> {
  const files = await jsonlFiles(dir, { modifiedSince: o.since });
  const scan = emptyScan(files.length);
  const all: LogCall[] = [];
  for (const file of files) {
    for await (const { line, value } of readJsonl(file)) {
      scan.lines++;
      if (value === undefined) {
        scan.unreadable++;
        continue;
      }
      const call = claudeCodeCall(value, file, line);
      if (call === null) continue;
      if (call === "synthetic") {
        scan.synthetic++;
        continue;
      }
      if (o.since !== undefined && call.at < o.since) continue;
      if (o.until !== undefined && call.at >= o.until) continue;
      all.push(call);
    }
  }
  scan.entries = all.length;
  // Time order (then file and line), so "first" is the earliest write wherever it is.
  all.sort((a, b) => a.at - b.at || a.file.localeCompare(b.file) || a.line - b.line);
  const kept = new Map<string, LogCall>();
  const unkeyed: LogCall[] = [];
  for (const c of all) {
    const key = c.messageId === null
      ? null
      : c.requestId === null
      ? c.messageId
      : `${c.messageId}:${c.requestId}`;
    if (key === null) unkeyed.push(c);
    else if (!kept.has(key)) kept.set(key, c);
    else {
      scan.duplicates++;
      if (o.dedupe === "last") kept.set(key, c);
    }
  }
  scan.calls = [...kept.values(), ...unkeyed].sort((a, b) => a.at - b.at);
  return scan;
}
