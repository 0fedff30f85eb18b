/**
 * Wall-clock time in IANA time zones, with the runtime's Intl data only: the fields of an instant
 * in a zone, the instant of a wall-clock time (DST gaps and overlaps handled), calendar days,
 * weeks (from Monday) and months. Shared by budgets (daemon/policy) and reports (cli/usage).
 */

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
export function zoneOffset(ms: number, timeZone: string): number {
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
  const o1 = zoneOffset(guess, timeZone);
  let t = guess - o1;
  const o2 = zoneOffset(t, timeZone);
  if (o2 !== o1) {
    const t2 = guess - o2;
    // Outside a gap one of the two readings round-trips; in a gap (the wall time does not
    // exist) take the later instant: the wall time shifted by the jump.
    t = zoneOffset(t2, timeZone) === o2 ? t2 : Math.max(t, t2);
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

/** `[start, end)` of the calendar day, week (from Monday) or month holding `now` in a zone. */
export function calendarBounds(
  unit: "day" | "week" | "month",
  timeZone: string,
  now: number,
): { start: number; end: number } {
  const t = wallTime(now, timeZone);
  let from: { y: number; mo: number; d: number };
  let to: { y: number; mo: number; d: number };
  if (unit === "day") {
    from = { y: t.y, mo: t.mo, d: t.d };
    to = addDays(t.y, t.mo, t.d, 1);
  } else if (unit === "week") {
    from = addDays(t.y, t.mo, t.d, -mondayIndex(t.y, t.mo, t.d));
    to = addDays(from.y, from.mo, from.d, 7);
  } else {
    from = { y: t.y, mo: t.mo, d: 1 };
    to = t.mo === 12 ? { y: t.y + 1, mo: 1, d: 1 } : { y: t.y, mo: t.mo + 1, d: 1 };
  }
  let start = zonedToEpoch(from.y, from.mo, from.d, 0, 0, timeZone);
  const end = zonedToEpoch(to.y, to.mo, to.d, 0, 0, timeZone);
  // A zone whose midnight fell in a gap can put `start` a hair after `now` near the jump.
  if (start > now) start = now;
  return { start, end };
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
