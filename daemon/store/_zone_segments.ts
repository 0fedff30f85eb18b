/**
 * A span cut where a time zone's UTC offset changes (DST), so that within each piece local time
 * is UTC plus one constant: reports then group by local hour or day with integer arithmetic in
 * SQL (`(t + offset) / 3600000`) instead of one time-zone lookup per row. Offsets change on
 * 15-minute boundaries in every zone in use, so pieces start and end on roll-up buckets.
 */

import { zoneOffset } from "../../core/mod.ts";

const QUARTER = 900_000;
const DAY = 86_400_000;

export interface ZoneSegment {
  /** Epoch ms, inclusive. */
  start: number;
  /** Epoch ms, exclusive. */
  end: number;
  /** Local time minus UTC, ms, throughout the piece. */
  offsetMs: number;
}

/** `[from, to)` in pieces of constant offset, in order; none when the span is empty. */
export function zoneSegments(from: number, to: number, timeZone: string): ZoneSegment[] {
  if (to <= from) return [];
  const out: ZoneSegment[] = [];
  let start = from;
  let offset = zoneOffset(from, timeZone);
  // A day apart is closer than any two changes of a zone's offset.
  for (let t = from; t < to;) {
    const next = Math.min(t + DAY, to);
    const o = next === to ? zoneOffset(to - 1, timeZone) : zoneOffset(next, timeZone);
    if (o !== offset) {
      // The change lies in (t, next]: find its quarter-hour by halving.
      let lo = Math.floor(t / QUARTER); // offset here is `offset`
      let hi = Math.ceil(next / QUARTER); // here it is `o`
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (zoneOffset(mid * QUARTER, timeZone) === offset) lo = mid;
        else hi = mid;
      }
      const at = Math.max(hi * QUARTER, from);
      if (at > start) out.push({ start, end: at, offsetMs: offset });
      start = at;
      offset = o;
    }
    t = next;
  }
  out.push({ start, end: to, offsetMs: offset });
  return out;
}
