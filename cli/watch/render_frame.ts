/**
 * One frame of `watch`, as lines no wider than the terminal: today's spend, the active 5-hour
 * block, budgets, and the last model calls (as many as the height leaves room for). Pure: the
 * screen draws it, tests read it.
 */
import { formatInt, formatSpan, formatUsd, wallTime } from "../../core/mod.ts";
import type { BudgetStatus } from "../../daemon/policy/mod.ts";
import type { CallRow, ReportTotals, UsageBlock } from "../../daemon/store/mod.ts";

export type Tone = "title" | "head" | "dim" | "warn" | "bad";

export interface Line {
  text: string;
  tone?: Tone;
}

export interface WatchData {
  now: number;
  timeZone: string;
  /** Null: no database yet. */
  today: ReportTotals | null;
  /** Today's model calls by model, most spent first. */
  models: { model: string; cost_usd: number; calls: number }[];
  /** The block `now` falls in, if any. */
  block: UsageBlock | null;
  budgets: BudgetStatus[];
  /** Where the budgets came from; null: not read yet. */
  budgetSource: "daemon" | "database" | null;
  /** Newest first. */
  calls: CallRow[];
  /** Why the database could not be read this time. */
  error?: string;
}

const p2 = (n: number) => String(n).padStart(2, "0");
const count = (n: number, one: string) => `${formatInt(n)} ${one}${n === 1 ? "" : "s"}`;

function clock(ms: number, timeZone: string, seconds = true): string {
  const w = wallTime(ms, timeZone);
  return `${p2(w.h)}:${p2(w.mi)}${seconds ? `:${p2(w.s)}` : ""}`;
}

function bar(fraction: number, width: number): string {
  const f = Math.max(0, Math.min(1, fraction));
  const full = Math.round(f * width);
  return "█".repeat(full) + "░".repeat(width - full);
}

/** Columns padded to their widths; the last one takes what is left. */
function cols(values: string[], widths: number[], right: boolean[] = []): string {
  return values.map((v, i) => {
    const w = widths[i];
    if (w === undefined) return v;
    const cut = [...v].slice(0, w).join("");
    const pad = " ".repeat(w - [...cut].length);
    return right[i] ? pad + cut : cut + pad;
  }).join("  ");
}

function budgetLines(d: WatchData, now: number): Line[] {
  const source = d.budgetSource === "database"
    ? " (daemon not running: from the database, not enforced)"
    : "";
  if (d.budgetSource === null) return [{ text: "Budgets", tone: "head" }, { text: "  …" }];
  if (d.budgets.length === 0) {
    return [{ text: `Budgets${source}`, tone: "head" }, {
      text: "  none (policy.json, docs/POLICY.md)",
      tone: "dim",
    }];
  }
  const lines: Line[] = [{ text: `Budgets${source}`, tone: "head" }];
  const idWidth = Math.min(20, Math.max(...d.budgets.map((b) => b.id.length)));
  for (const b of d.budgets) {
    const spent = b.cap_usd !== null
      ? `${formatUsd(b.spent_usd)} of ${formatUsd(b.cap_usd)}`
      : `${formatInt(b.spent_tokens)} of ${formatInt(b.cap_tokens ?? 0)} tok`;
    const resets = b.resets_at === null ? "" : `resets in ${formatSpan(b.resets_at - now)}`;
    lines.push({
      text: "  " + cols(
        [b.id, b.window, bar(b.percent / 100, 10), `${b.percent}%`, spent, b.state, resets],
        [idWidth, 5, 10, 6, 22, 9],
        [false, false, false, true],
      ),
      tone: b.state === "exceeded" ? "bad" : b.state === "warn" ? "warn" : undefined,
    });
  }
  return lines;
}

function blockLines(d: WatchData, now: number): Line[] {
  const b = d.block;
  if (!b) return [{ text: "5-hour block: none active (no model call in the last 5 hours)" }];
  const aligned = b.aligned === "anthropic_reset" ? "Anthropic's window" : "from the first call";
  const elapsed = (now - b.start) / (b.end - b.start);
  const lines: Line[] = [
    {
      text: `5-hour block ${clock(b.start, d.timeZone, false)} → ${
        clock(b.end, d.timeZone, false)
      } (${formatSpan(b.end - now)} left, ${aligned})`,
      tone: "head",
    },
    {
      text: `  ${formatUsd(b.cost_usd)} · ${formatInt(b.total_tokens)} tokens · ${
        count(b.calls, "call")
      }${b.burn ? ` · burn ${formatUsd(b.burn.usd_per_hour)}/h` : ""}${
        b.projection
          ? ` · by ${clock(b.end, d.timeZone, false)}: ${formatUsd(b.projection.cost_usd)}`
          : ""
      }`,
    },
    {
      text: `  time ${bar(elapsed, 20)} ${Math.round(elapsed * 100)}%` +
        (b.utilization === null
          ? ""
          : `   Anthropic ${bar(b.utilization, 20)} ${Math.round(b.utilization * 100)}% used`),
      tone: b.utilization !== null && b.utilization >= 0.9 ? "warn" : undefined,
    },
  ];
  return lines;
}

function callLine(c: CallRow, timeZone: string, width: number): Line {
  const model = c.response_model ?? c.request_model ?? "(unknown)";
  const blocked = c.policy_action === "block";
  const cost = blocked ? "blocked" : c.cost_usd === null ? "unpriced" : formatUsd(c.cost_usd);
  const fixed = [
    clock(c.started_at, timeZone),
    model,
    c.project ?? "-",
    `${formatInt(c.input_tokens ?? 0)} in`,
    `${formatInt(c.output_tokens ?? 0)} out`,
    cost,
    String(c.status ?? "-"),
    `${(c.duration_ms / 1000).toFixed(1)}s`,
  ];
  const modelWidth = Math.max(12, Math.min(28, width - 82));
  return {
    text: "  " + cols(fixed, [8, modelWidth, 14, 12, 10, 10, 3, 6], [
      false,
      false,
      false,
      true,
      true,
      true,
      true,
      true,
    ]),
    tone: blocked ? "bad" : c.status !== null && c.status >= 400 ? "warn" : undefined,
  };
}

export function renderFrame(d: WatchData, size: { columns: number; rows: number }): Line[] {
  const now = d.now;
  const w = wallTime(now, d.timeZone);
  const when = `${w.y}-${p2(w.mo)}-${p2(w.d)} ${clock(now, d.timeZone)} ${d.timeZone}`;
  const title = "Halton Meter · watch";
  const help = "q quits";
  const gap = Math.max(2, size.columns - title.length - when.length - help.length - 4);
  const lines: Line[] = [
    { text: `${title}${" ".repeat(gap)}${when}    ${help}`, tone: "title" },
    { text: "" },
  ];
  if (d.error) lines.push({ text: `Cannot read the database: ${d.error}`, tone: "bad" });
  const t = d.today;
  if (!t) lines.push({ text: "Today: nothing metered yet (no database)." });
  else {
    const apart = [
      t.other_calls ? count(t.other_calls, "other request") : "",
      t.blocked_calls ? `${formatInt(t.blocked_calls)} blocked` : "",
    ].filter(Boolean);
    lines.push({
      text: `Today  ${formatUsd(t.cost_usd)} · ${
        formatInt(t.input_tokens + t.output_tokens)
      } tokens · ${count(t.calls, "model call")}${
        apart.length ? `  (not counted: ${apart.join(", ")})` : ""
      }${t.unpriced_calls ? `  +${t.unpriced_calls} unpriced` : ""}`,
      tone: "head",
    });
    if (d.models.length) {
      lines.push({
        text: "  " + d.models.slice(0, 4).map((m) => `${m.model} ${formatUsd(m.cost_usd)}`)
          .join(" · "),
        tone: "dim",
      });
    }
  }
  lines.push({ text: "" }, ...blockLines(d, now), { text: "" }, ...budgetLines(d, now), {
    text: "",
  });
  lines.push({ text: "Last model calls", tone: "head" });
  const room = size.rows - lines.length;
  if (d.calls.length === 0) lines.push({ text: "  none yet", tone: "dim" });
  for (const c of d.calls.slice(0, Math.max(0, room))) {
    lines.push(callLine(c, d.timeZone, size.columns));
  }
  return lines.slice(0, size.rows).map((l) => ({
    ...l,
    text: [...l.text].slice(0, size.columns).join(""),
  }));
}
