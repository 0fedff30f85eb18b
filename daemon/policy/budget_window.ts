/**
 * Budget windows. Calendar windows (`day`, `week` from Monday, `month`) are cut at local
 * midnight in a time zone; rolling windows (`30m`, `5h`, `7d`) cover the span up to now.
 * Bounds are epoch ms; calendar bounds are cached by the caller until `end` passes, because
 * the time-zone arithmetic (Intl) costs microseconds a decision should not pay each time.
 */

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

/** The machine's time zone (TZ, else /etc/localtime), as Intl resolves it. */
export function machineTimeZone(): string {
  return new Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

interface Wall {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
}

/** Wall-clock fields of an instant in a zone. */
export function wallTime(ms: number, timeZone: string): Wall {
  const out: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) {
    if (p.type !== "literal") out[p.type] = Number(p.value);
  }
  return { y: out.year, mo: out.month, d: out.day, h: out.hour, mi: out.minute, s: out.second };
}

/** Zone offset at an instant, ms (local minus UTC), to the second. */
function offsetAt(ms: number, timeZone: string): number {
  const w = wallTime(ms, timeZone);
  const asUtc = Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant a wall-clock time happens in a zone. In a DST gap (a time that does not exist
 * that day) it is that time shifted by the jump (New York 02:30 becomes 03:30 EDT); a midnight
 * in a gap thus becomes the instant the clocks jumped, the day's first existing time. In an
 * overlap (a time that happens twice) it is one of the two.
 */
export function zonedToEpoch(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  timeZone: string,
): number {
  const guess = Date.UTC(y, mo - 1, d, h, mi);
  const o1 = offsetAt(guess, timeZone);
  let t = guess - o1;
  const o2 = offsetAt(t, timeZone);
  if (o2 !== o1) {
    const t2 = guess - o2;
    // Outside a gap one of the two readings round-trips; in a gap (the wall time does not
    // exist) take the later instant: the wall time shifted by the jump.
    t = offsetAt(t2, timeZone) === o2 ? t2 : Math.max(t, t2);
  }
  return t;
}

/** `{y, mo, d}` moved by `days` on the proleptic calendar (no zone involved). */
function addDays(y: number, mo: number, d: number, days: number) {
  const dt = new Date(Date.UTC(y, mo - 1, d + days));
  return { y: dt.getUTCFullYear(), mo: dt.getUTCMonth() + 1, d: dt.getUTCDate() };
}

/** Monday = 0 ... Sunday = 6, of a calendar date. */
function mondayIndex(y: number, mo: number, d: number): number {
  return (new Date(Date.UTC(y, mo - 1, d)).getUTCDay() + 6) % 7;
}

/** `[start, end)` of the window holding `now`; for rolling windows `end` is `now`. */
export function windowBounds(w: BudgetWindow, now: number): { start: number; end: number } {
  if (w.kind === "rolling") return { start: now - w.ms, end: now };
  const t = wallTime(now, w.timeZone);
  let from: { y: number; mo: number; d: number };
  let to: { y: number; mo: number; d: number };
  if (w.unit === "day") {
    from = { y: t.y, mo: t.mo, d: t.d };
    to = addDays(t.y, t.mo, t.d, 1);
  } else if (w.unit === "week") {
    from = addDays(t.y, t.mo, t.d, -mondayIndex(t.y, t.mo, t.d));
    to = addDays(from.y, from.mo, from.d, 7);
  } else {
    from = { y: t.y, mo: t.mo, d: 1 };
    to = t.mo === 12 ? { y: t.y + 1, mo: 1, d: 1 } : { y: t.y, mo: t.mo + 1, d: 1 };
  }
  let start = zonedToEpoch(from.y, from.mo, from.d, 0, 0, w.timeZone);
  const end = zonedToEpoch(to.y, to.mo, to.d, 0, 0, w.timeZone);
  // A zone whose midnight fell in a gap can put `start` a hair after `now` near the jump.
  if (start > now) start = now;
  return { start, end };
}

/** `2026-12-07 00:00 Europe/Paris` — how messages and reports show a time. */
export function formatInZone(ms: number, timeZone: string): string {
  const w = wallTime(ms, timeZone);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${w.y}-${p(w.mo)}-${p(w.d)} ${p(w.h)}:${p(w.mi)} ${timeZone}`;
}

/** `3d 4h`, `2h 05m`, `12m`, `40s`: a span for people. */
export function formatSpan(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${String(m).padStart(2, "0")}m`;
  if (m > 0) return `${m}m`;
  return `${s}s`;
}
