/**
 * 5-hour blocks as `usage blocks` prints them (and `watch` shows the active one): a table, the
 * active block's burn and projection in words, or JSON (docs/REPORTS.md).
 */
import { formatInt, formatSpan, formatUsd, wallTime } from "../../core/mod.ts";
import type { UsageBlock } from "../../daemon/store/mod.ts";
import { renderTable } from "./_table.ts";
import { localTime, type Span } from "./parse_span.ts";
import { spanText } from "./render_report.ts";

export interface BlocksMeta extends Span {
  timeZone: string;
  now: number;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const pct = (u: number | null) => (u === null ? "-" : `${Math.round(u * 1000) / 10}%`);

/** `16:40`, or `2026-03-12 02:40` when it is not the day of `ref`. */
function endText(ms: number, ref: number, timeZone: string): string {
  const a = wallTime(ms, timeZone);
  const b = wallTime(ref, timeZone);
  const text = localTime(ms, timeZone);
  return a.y === b.y && a.mo === b.mo && a.d === b.d ? text.slice(11) : text;
}

export function blockJson(b: UsageBlock) {
  return {
    ...b,
    start: iso(b.start),
    end: iso(b.end),
    first_call_at: iso(b.first_call_at),
    last_call_at: iso(b.last_call_at),
  };
}

/** The active block in words: spend, burn, projection, Anthropic's own count. */
export function activeBlockLines(b: UsageBlock, now: number, timeZone: string): string[] {
  const lines = [
    `Active block ${localTime(b.start, timeZone)} → ${endText(b.end, b.start, timeZone)} (${
      formatSpan(b.end - now)
    } left): ${formatUsd(b.cost_usd)}, ${formatInt(b.total_tokens)} tokens in ${
      formatInt(b.calls)
    } call${b.calls === 1 ? "" : "s"}.`,
  ];
  if (b.burn && b.projection) {
    lines.push(
      `Burn since its first call: ${formatUsd(b.burn.usd_per_hour)}/h, ${
        formatInt(b.burn.tokens_per_minute)
      } tokens/min; by ${endText(b.end, now, timeZone)} at this rate: ${
        formatUsd(b.projection.cost_usd)
      }, ${formatInt(b.projection.total_tokens)} tokens.`,
    );
  }
  if (b.utilization !== null) {
    lines.push(`Anthropic's count for this window (last response): ${pct(b.utilization)} used.`);
  }
  if (b.unpriced_calls) {
    lines.push(`${b.unpriced_calls} call(s) have no price: the cost is a lower bound.`);
  }
  return lines;
}

export function renderBlocks(
  blocks: readonly UsageBlock[],
  m: BlocksMeta,
  format: "table" | "json",
  colour = false,
): string {
  if (format === "json") {
    return JSON.stringify(
      {
        since: iso(m.since),
        until: iso(m.until),
        time_zone: m.timeZone,
        now: iso(m.now),
        blocks: blocks.map(blockJson),
      },
      null,
      2,
    );
  }
  const title = `5-hour blocks, ${spanText(m)}`;
  if (blocks.length === 0) return `${title}: no model calls.`;
  const head = ["start", "end", "aligned to", "calls", "tokens", "cost", "5h used", "models"];
  const rows = blocks.map((b) => [
    localTime(b.start, m.timeZone),
    endText(b.end, b.start, m.timeZone) + (b.active ? " (active)" : ""),
    b.aligned === "anthropic_reset" ? "Anthropic reset" : "first call",
    formatInt(b.calls),
    formatInt(b.total_tokens),
    formatUsd(b.cost_usd) + (b.unpriced_calls ? ` (+${b.unpriced_calls} unpriced)` : ""),
    pct(b.utilization),
    b.models.join(", "),
  ]);
  const lines = [
    title,
    renderTable({
      head,
      align: ["left", "left", "left", "right", "right", "right", "right", "left"],
      rows,
      colour,
    }),
  ];
  const active = blocks.find((b) => b.active);
  if (active) lines.push(...activeBlockLines(active, m.now, m.timeZone));
  else {
    const last = blocks[blocks.length - 1];
    lines.push(`No active block: the last one ended ${localTime(last.end, m.timeZone)}.`);
  }
  return lines.join("\n");
}
