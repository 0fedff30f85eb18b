/**
 * A boxed table with a rule under the head and one above the footer (the totals), none between
 * rows: compact, and the totals stand apart. Widths count code points (no wide-glyph tables).
 */
import { styleText } from "node:util";

export interface TableSpec {
  head: string[];
  /** Per column; default left. */
  align?: ("left" | "right")[];
  rows: string[][];
  /** Rows under a rule of their own (totals). */
  footer?: string[][];
  /** Head in cyan (only on a terminal without NO_COLOR). */
  colour?: boolean;
}

const width = (s: string) => [...s].length;

export function renderTable(spec: TableSpec): string {
  const all = [spec.head, ...spec.rows, ...(spec.footer ?? [])];
  const widths = spec.head.map((_, i) => Math.max(...all.map((r) => width(r[i] ?? ""))));
  const cell = (text: string, i: number) => {
    const pad = " ".repeat(widths[i] - width(text));
    return spec.align?.[i] === "right" ? pad + text : text + pad;
  };
  const line = (cells: string[], head = false) =>
    "│ " + cells.map((c, i) => {
      const text = cell(c ?? "", i);
      return head && spec.colour ? styleText("cyan", text) : text;
    }).join(" │ ") + " │";
  const rule = (l: string, m: string, r: string) =>
    l + widths.map((w) => "─".repeat(w + 2)).join(m) + r;
  const out = [rule("┌", "┬", "┐"), line(spec.head, true), rule("├", "┼", "┤")];
  for (const r of spec.rows) out.push(line(r));
  if (spec.footer?.length) {
    out.push(rule("├", "┼", "┤"));
    for (const r of spec.footer) out.push(line(r));
  }
  out.push(rule("└", "┴", "┘"));
  return out.join("\n");
}
