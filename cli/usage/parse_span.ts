/**
 * `--since` / `--until` of the report commands, cut in a time zone:
 *
 * - a named period: `today`, `yesterday`, `this-week`, `last-week` (weeks start Monday),
 *   `this-month`, `last-month`;
 * - a date `2026-11-01` or a month `2026-11` (local midnight in the zone);
 * - a date-time `2026-11-01T09:30[:00]` (in the zone) or with an offset (`Z`, `+02:00`);
 * - a span back from now: `30m`, `12h`, `7d`, `2w`; `now`.
 *
 * `--since` starts where its value starts; `--until` ends where its value ends (exclusive): the
 * end of a named period, date or month (so `--until 2026-11-30` includes that day), else the
 * instant. A named period given to `--since` without `--until` is that period alone
 * (`--since yesterday` is yesterday, not yesterday until now).
 */
import { calendarBounds, machineTimeZone, wallTime, zonedToEpoch } from "../../core/mod.ts";

export interface Span {
  /** Epoch ms, inclusive. */
  since: number;
  /** Epoch ms, exclusive; null: up to now and beyond. */
  until: number | null;
}

export type ParsedSpan = { ok: true; span: Span } | { ok: false; message: string };

interface Interval {
  start: number;
  end: number;
  /** A named period: alone in `--since` it brings its end. */
  named: boolean;
}

const UNIT_MS: Record<string, number> = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** Whether `timeZone` is an IANA zone this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** The zone `--tz` names (default: the machine's), or the message saying it is none. */
export function resolveTimeZone(
  timeZone: string | undefined,
): { ok: true; timeZone: string } | { ok: false; message: string } {
  const tz = timeZone ?? machineTimeZone();
  return isTimeZone(tz) ? { ok: true, timeZone: tz } : {
    ok: false,
    message: `--tz "${tz}" is not a time zone: use an IANA name such as Europe/Paris or UTC`,
  };
}

function day(y: number, mo: number, d: number, timeZone: string): Interval {
  const next = new Date(Date.UTC(y, mo - 1, d + 1));
  return {
    start: zonedToEpoch(y, mo, d, 0, 0, timeZone),
    end: zonedToEpoch(
      next.getUTCFullYear(),
      next.getUTCMonth() + 1,
      next.getUTCDate(),
      0,
      0,
      timeZone,
    ),
    named: false,
  };
}

function validDate(y: number, mo: number, d: number): boolean {
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

function interval(value: string, now: number, timeZone: string): Interval | null {
  const v = value.trim().toLowerCase();
  const calendar = (unit: "day" | "week" | "month", at: number) => {
    const b = calendarBounds(unit, timeZone, at);
    return { start: b.start, end: b.end, named: true };
  };
  switch (v) {
    case "now":
      return { start: now, end: now, named: false };
    case "today":
      return calendar("day", now);
    case "yesterday":
      return calendar("day", calendar("day", now).start - 1);
    case "this-week":
      return calendar("week", now);
    case "last-week":
      return calendar("week", calendar("week", now).start - 1);
    case "this-month":
      return calendar("month", now);
    case "last-month":
      return calendar("month", calendar("month", now).start - 1);
  }
  const back = /^(\d{1,5})([mhdw])$/.exec(v);
  if (back) {
    const t = now - Number(back[1]) * UNIT_MS[back[2]];
    return { start: t, end: t, named: false };
  }
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (date) {
    const [y, mo, d] = [Number(date[1]), Number(date[2]), Number(date[3])];
    return validDate(y, mo, d) ? day(y, mo, d, timeZone) : null;
  }
  const month = /^(\d{4})-(\d{2})$/.exec(v);
  if (month) {
    const [y, mo] = [Number(month[1]), Number(month[2])];
    if (mo < 1 || mo > 12) return null;
    const start = zonedToEpoch(y, mo, 1, 0, 0, timeZone);
    const end = mo === 12
      ? zonedToEpoch(y + 1, 1, 1, 0, 0, timeZone)
      : zonedToEpoch(y, mo + 1, 1, 0, 0, timeZone);
    return { start, end, named: false };
  }
  const dt = DATE_TIME.exec(value.trim());
  if (dt) {
    const [y, mo, d, h, mi] = [1, 2, 3, 4, 5].map((i) => Number(dt[i]));
    const s = Number(dt[6] ?? 0);
    const ms = Math.round(Number(dt[7] ?? 0) * 1000);
    if (!validDate(y, mo, d) || h > 23 || mi > 59 || s > 59) return null;
    let t: number;
    if (dt[8]) {
      t = Date.parse(value.trim().replace(" ", "T"));
      if (Number.isNaN(t)) return null;
    } else {
      t = zonedToEpoch(y, mo, d, h, mi, timeZone) + s * 1000 + ms;
    }
    return { start: t, end: t, named: false };
  }
  return null;
}

const HINT = "use today, yesterday, this-week, last-week, this-month, last-month, 30m, 12h, 7d, " +
  "a date (2026-11-01), a month (2026-11) or a date-time (2026-11-01T09:30, 2026-11-01T09:30Z)";

/** Resolves `--since` (default `today`) and `--until` in `timeZone` at `now`. */
export function parseSpan(
  opts: { since?: string; until?: string },
  now: number,
  timeZone: string,
): ParsedSpan {
  const sinceText = opts.since ?? "today";
  const since = interval(sinceText, now, timeZone);
  if (!since) {
    return { ok: false, message: `cannot read --since ${JSON.stringify(sinceText)}: ${HINT}` };
  }
  let until: number | null = null;
  if (opts.until !== undefined) {
    const u = interval(opts.until, now, timeZone);
    if (!u) {
      return { ok: false, message: `cannot read --until ${JSON.stringify(opts.until)}: ${HINT}` };
    }
    until = u.end;
  } else if (since.named && since.end <= now) {
    until = since.end;
  }
  if (until !== null && until <= since.start) {
    return {
      ok: false,
      message: `--until ${JSON.stringify(opts.until ?? sinceText)} ends at ${
        new Date(until).toISOString()
      }, not after --since ${JSON.stringify(sinceText)} (${
        new Date(since.start).toISOString()
      }): give an end after the start`,
    };
  }
  return { ok: true, span: { since: since.start, until } };
}

/** `2026-03-07 14:05` in the zone: how the commands show a bound. */
export function localTime(ms: number, timeZone: string): string {
  const w = wallTime(ms, timeZone);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${w.y}-${p(w.mo)}-${p(w.d)} ${p(w.h)}:${p(w.mi)}`;
}
