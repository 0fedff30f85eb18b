/** A reconciliation as `reconcile` prints it: a table and lists, or JSON (docs/REPORTS.md). */
import { formatInt, formatUsd } from "../../core/mod.ts";
import { renderTable } from "../usage/_table.ts";
import { localTime } from "../usage/parse_span.ts";
import { spanText } from "../usage/render_report.ts";
import type { Reconciliation, Side } from "./reconcile_calls.ts";
import type { LogCall, LogScan, WireCall } from "./types.ts";

export interface ReconcileMeta {
  /** `claude-code` or `codex`. */
  source: string;
  dir: string;
  since: number;
  until: number | null;
  timeZone: string;
  dedupe: "first" | "last" | null;
  matchedBy: "ids" | "time_and_input";
  scan: LogScan;
}

const LIST_MAX = 20;
const iso = (ms: number) => new Date(ms).toISOString();
const round9 = (usd: number) => Math.round(usd * 1e9) / 1e9;

function tokensJson(t: LogCall["tokens"]) {
  return {
    input_tokens: t.input,
    output_tokens: t.output,
    cache_read_tokens: t.cacheRead,
    cache_write_tokens: t.cacheWrite5m + t.cacheWrite1h,
  };
}

function wireJson(w: WireCall & { cost_usd?: number | null }) {
  return {
    call_id: w.id,
    started_at: iso(w.startedAt),
    model: w.model,
    project: w.project,
    client: w.client,
    request_id: w.requestId,
    response_id: w.responseId,
    ...tokensJson(w.tokens),
    ...(w.cost_usd === undefined ? {} : { cost_usd: w.cost_usd }),
  };
}

function logJson(l: LogCall & { cost_usd?: number | null }) {
  return {
    at: iso(l.at),
    file: l.file,
    line: l.line,
    session: l.session,
    cwd: l.cwd,
    request_id: l.requestId,
    message_id: l.messageId,
    model: l.model,
    ...tokensJson(l.tokens),
    ...(l.cost_usd === undefined ? {} : { cost_usd: l.cost_usd }),
  };
}

function json(r: Reconciliation, m: ReconcileMeta): string {
  const { calls: _calls, ...scan } = m.scan;
  return JSON.stringify(
    {
      source: m.source,
      dir: m.dir,
      since: iso(m.since),
      until: m.until === null ? null : iso(m.until),
      time_zone: m.timeZone,
      dedupe: m.dedupe,
      matched_by: m.matchedBy,
      logs: { ...scan, calls: m.scan.calls.length },
      days: r.groups.map((g) => ({
        ...g,
        cost_difference_usd: round9(g.logs.cost_usd - g.wire.cost_usd),
      })),
      totals: {
        ...r.totals,
        cost_difference_usd: round9(r.totals.logs.cost_usd - r.totals.wire.cost_usd),
      },
      wire_only: r.wire_only.map(wireJson),
      logs_only: r.logs_only.map(logJson),
      token_mismatches: r.mismatched.map((x) => ({
        matched_by: x.matched_by,
        wire: wireJson(x.wire),
        logs: logJson(x.log),
        fields: x.fields,
        wire_cost_usd: x.wire_cost_usd,
        logs_cost_usd: x.logs_cost_usd,
      })),
    },
    null,
    2,
  );
}

const tok = (s: Side) => formatInt(s.input_tokens + s.output_tokens);
const usd = (v: number | null) => (v === null ? "unpriced" : formatUsd(v));
const signed = (v: number) => (v === 0 ? "0" : v > 0 ? `+${formatUsd(v)}` : formatUsd(v));

function list<T>(title: string, items: readonly T[], line: (x: T) => string): string[] {
  if (items.length === 0) return [];
  const out = ["", `${title} (${items.length}):`];
  for (const x of items.slice(0, LIST_MAX)) out.push(`  ${line(x)}`);
  if (items.length > LIST_MAX) {
    out.push(`  … and ${items.length - LIST_MAX} more (--json lists them all)`);
  }
  return out;
}

function table(r: Reconciliation, m: ReconcileMeta, colour: boolean): string {
  const name = m.source === "codex" ? "Codex CLI" : "Claude Code";
  const s = m.scan;
  const when = (ms: number) => localTime(ms, m.timeZone);
  const lines = [
    `${name} logs vs the wire, ${spanText(m)}`,
    `Logs: ${formatInt(s.files)} file(s) under ${m.dir}, ${
      formatInt(s.entries)
    } entries with usage` +
    (s.duplicates
      ? `, ${formatInt(s.duplicates)} duplicate(s) dropped (${
        m.dedupe === null
          ? "unchanged totals"
          : m.dedupe === "first"
          ? "first kept, as ccusage does"
          : "last kept"
      })`
      : "") +
    (s.synthetic ? `, ${formatInt(s.synthetic)} synthetic skipped` : "") +
    (s.unreadable ? `, ${formatInt(s.unreadable)} unreadable line(s)` : "") + ".",
  ];
  if (r.groups.length === 0) {
    lines.push("Nothing to compare: no model call in the logs or on the wire in this span.");
    return lines.join("\n");
  }
  const head = [
    "day",
    "model",
    "wire",
    "logs",
    "matched",
    "only wire",
    "only logs",
    "tokens differ",
    "wire tokens",
    "log tokens",
    "wire cost",
    "log cost",
    "logs − wire",
  ];
  const row = (day: string, model: string, g: Omit<Reconciliation["totals"], never>) => [
    day,
    model,
    formatInt(g.wire.calls),
    formatInt(g.logs.calls),
    formatInt(g.matched),
    formatInt(g.wire_only),
    formatInt(g.logs_only),
    formatInt(g.token_mismatches),
    tok(g.wire),
    tok(g.logs),
    formatUsd(g.wire.cost_usd),
    formatUsd(g.logs.cost_usd),
    signed(round9(g.logs.cost_usd - g.wire.cost_usd)),
  ];
  lines.push(renderTable({
    head,
    align: head.map((_, i) => (i < 2 ? "left" : "right")),
    rows: r.groups.map((g) => row(g.day, g.model ?? "(unknown)", g)),
    footer: [row("total", "", r.totals)],
    colour,
  }));
  lines.push(
    ...list(
      "On the wire, not in the logs",
      r.wire_only,
      (w) =>
        `${when(w.startedAt)}  ${w.model ?? "(unknown)"}  ${formatInt(w.tokens.input)} in  ${
          formatInt(w.tokens.output)
        } out  ${usd(w.cost_usd)}  ${w.requestId ?? w.responseId ?? w.id}${
          w.project ? `  project ${w.project}` : ""
        }`,
    ),
    ...list(
      "In the logs, not on the wire",
      r.logs_only,
      (l) =>
        `${when(l.at)}  ${l.model ?? "(unknown)"}  ${formatInt(l.tokens.input)} in  ${
          formatInt(l.tokens.output)
        } out  ${usd(l.cost_usd)}  ${l.requestId ?? l.messageId ?? "(no id)"}  ${l.file}:${l.line}`,
    ),
    ...list(
      "Matched, tokens differ",
      r.mismatched,
      (x) =>
        `${when(x.wire.startedAt)}  ${x.wire.model ?? "(unknown)"}  ${
          x.wire.requestId ?? x.wire.responseId ?? x.wire.id
        }: ${
          x.fields.map((f) =>
            `${f.field.replace("_tokens", "")} wire ${formatInt(f.wire)}, logs ${formatInt(f.logs)}`
          )
            .join("; ")
        }${
          x.wire_cost_usd !== null && x.logs_cost_usd !== null
            ? `  (logs − wire ${signed(round9(x.logs_cost_usd - x.wire_cost_usd))})`
            : ""
        }`,
    ),
  );
  const t = r.totals;
  lines.push(
    "",
    t.wire_only + t.logs_only + t.token_mismatches === 0
      ? `The logs and the wire agree: ${formatInt(t.matched)} call(s), the same tokens.`
      : `${formatInt(t.matched)} call(s) matched; ${formatInt(t.wire_only)} only on the wire, ${
        formatInt(t.logs_only)
      } only in the logs, ${formatInt(t.token_mismatches)} with different tokens. ` +
        `The logs count ${signed(round9(t.logs.cost_usd - t.wire.cost_usd))} against the wire.`,
  );
  return lines.join("\n");
}

export function renderReconcile(
  r: Reconciliation,
  m: ReconcileMeta,
  format: "table" | "json",
  colour = false,
): string {
  return format === "json" ? json(r, m) : table(r, m, colour);
}
