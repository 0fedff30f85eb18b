/**
 * Budget windows. Calendar windows (`day`, `week` from Monday, `month`) are cut at local
 * midnight in a time zone; rolling windows (`30m`, `5h`, `7d`) cover the span up to now.
 * Bounds are epoch ms; calendar bounds are cached by the caller until `end` passes, because
 * the time-zone arithmetic (Intl) costs microseconds a decision should not pay each time.
 */

import { calendarBounds, wallTime } from "../../core/mod.ts";

export { formatSpan, machineTimeZone, wallTime, zonedToEpoch } from "../../core/mod.ts";

export type BudgetWindow =
  | { kind: "calendar"; unit: "day" | "week" | "month"; timeZone: string; label: string }
  | { kind: "rolling"; ms: number; label: string };

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Parses a validated window spec (`WINDOW` in policy_schema.ts). */
export function parseWindow(spec: string, timeZone: string): BudgetWindow {
  if (spec === "day" || spec === "week" || spec === "month") {
    return { kind: "calendar", unit: spec, timeZone, label: spec };
  }
  const m = /^([1-9][0-9]{0,3})([mhd])$/.exec(spec);
  if (!m) throw new Error(`Cannot parse budget window ${JSON.stringify(spec)}`);
  return { kind: "rolling", ms: Number(m[1]) * UNIT_MS[m[2] as "m" | "h" | "d"], label: spec };
}

/** `[start, end)` of the window holding `now`; for rolling windows `end` is `now`. */
export function windowBounds(w: BudgetWindow, now: number): { start: number; end: number } {
  if (w.kind === "rolling") return { start: now - w.ms, end: now };
  return calendarBounds(w.unit, w.timeZone, now);
}

/** `2026-12-07 00:00 Europe/Paris` — how messages and reports show a time. */
export function formatInZone(ms: number, timeZone: string): string {
  const w = wallTime(ms, timeZone);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${w.y}-${p(w.mo)}-${p(w.d)} ${p(w.h)}:${p(w.mi)} ${timeZone}`;
}
